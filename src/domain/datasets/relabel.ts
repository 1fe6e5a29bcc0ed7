import {
  checkLabel,
  isRecord,
  OperationError,
  REVIEWERS,
  type OperationContext,
  type OperationOf,
  type OperationResult,
  type Reviewer,
} from './operations.js';
import type { DatasetRow } from './rows.js';

type RelabelOp = OperationOf<'relabel'>;

export function validateRelabel(op: RelabelOp, index: number, ctx: OperationContext): void {
  const labels = new Set(ctx.labels);
  if (op.map !== undefined) {
    if (!isRecord(op.map)) throw new OperationError(index, 'map', 'map must be an object of old label → new label');
    // Old labels are not checked: renaming labels the task no longer has is the point.
    for (const [from, to] of Object.entries(op.map)) checkLabel(to, labels, index, `map.${from}`);
  }
  if (op.overrides === undefined) return;
  if (!Array.isArray(op.overrides)) throw new OperationError(index, 'overrides', 'overrides must be an array');
  const seen = new Map<string, string>();
  op.overrides.forEach((override: unknown, i) => {
    if (!isRecord(override)) throw new OperationError(index, `overrides[${i}]`, 'override must be an object');
    const { example_id: exampleId, label } = override;
    if (typeof exampleId !== 'string' || exampleId === '') {
      throw new OperationError(index, `overrides[${i}].example_id`, 'example_id must be a non-empty string');
    }
    checkLabel(label, labels, index, `overrides[${i}].label`);
    if (override['reviewer'] !== undefined && !REVIEWERS.includes(override['reviewer'] as Reviewer)) {
      throw new OperationError(index, `overrides[${i}].reviewer`, 'reviewer must be "human" or "llm"');
    }
    const earlier = seen.get(exampleId);
    if (earlier !== undefined && earlier !== label) {
      throw new OperationError(
        index,
        `overrides[${i}].example_id`,
        `example ${exampleId} is overridden twice with different labels`,
      );
    }
    seen.set(exampleId, label as string);
  });
}

/**
 * Renames labels through `map` (one step, not chained: with a→b and b→c an `a` becomes `b`),
 * then applies `overrides`, which win. Renaming keeps the label's source and confidence, since the
 * same labeller made the call; an override takes its reviewer as source: 'human' (the default)
 * for a person's decision, 'llm' for an LLM suggestion applied as it was.
 */
export function relabel(rows: DatasetRow[], op: RelabelOp, _ctx: OperationContext): OperationResult {
  const map = new Map(Object.entries(op.map ?? {}));
  const overrides = new Map((op.overrides ?? []).map((o) => [o.example_id, o]));
  const matched = new Set<string>();
  let renamed = 0;
  let overridden = 0;
  let byLlm = 0;
  const out = rows.map((row) => {
    let next = row;
    const renamedTo = row.label === null ? undefined : map.get(row.label);
    if (renamedTo !== undefined && renamedTo !== row.label) {
      next = { ...next, label: renamedTo };
      renamed++;
    }
    const override = overrides.get(row.exampleId);
    if (override !== undefined) {
      matched.add(row.exampleId);
      const reviewer = override.reviewer ?? 'human';
      next = { ...next, label: override.label, labelSource: reviewer, confidence: null };
      overridden++;
      if (reviewer === 'llm') byLlm++;
    }
    return next;
  });
  return {
    rows: out,
    details: {
      renamed,
      overridden,
      overridden_by_human: overridden - byLlm,
      overridden_by_llm: byLlm,
      unmatched: overrides.size - matched.size,
    },
  };
}
