// Placeholder while this page is being built.
export function DatasetVersionPage() {
  return <p class="hint">This page is not built yet.</p>;
}
