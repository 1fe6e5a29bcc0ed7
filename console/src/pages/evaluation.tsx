// Placeholder while this page is being built.
export function EvaluationPage() {
  return <p class="hint">This page is not built yet.</p>;
}
