// Placeholder while this page is being built.
export function LabelRunPage() {
  return <p class="hint">This page is not built yet.</p>;
}
