/** A person's decisions on review-queue rows, before they are sent as one review. */

export interface QueueRow {
  example_id: string;
  current_label: string;
}

/** Example id → the label the person chose (the current one when they accepted it). */
export type Decisions = ReadonlyMap<string, string>;

export const decide = (decisions: Decisions, exampleId: string, label: string): Decisions =>
  new Map(decisions).set(exampleId, label);

export function undo(decisions: Decisions, exampleId: string): Decisions {
  const next = new Map(decisions);
  next.delete(exampleId);
  return next;
}

/**
 * The overrides of the review: changed labels and confirmed ones alike. A confirmation is an
 * override to the same label, which makes the row's label source `human`: a person checked it.
 */
export function overridesOf(rows: QueueRow[], decisions: Decisions) {
  const changes: { example_id: string; label: string }[] = [];
  const confirmations: { example_id: string; label: string }[] = [];
  for (const row of rows) {
    const label = decisions.get(row.example_id);
    if (label === undefined) continue;
    (label === row.current_label ? confirmations : changes).push({ example_id: row.example_id, label });
  }
  return { changes, confirmations };
}
