import { checkOneOf, type OperationContext, type OperationOf, type OperationResult } from './operations.js';
import type { DatasetRow } from './rows.js';

type DedupeOp = OperationOf<'dedupe'>;

export function validateDedupe(op: DedupeOp, index: number, _ctx: OperationContext): void {
  checkOneOf(op.mode, ['exact', 'normalized'], index, 'mode');
}

/** Case-, width- and spacing-insensitive form of a text, used only as a comparison key. */
export function normalizedKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * Keeps the first row of each group of equal texts. Exact mode compares exampleIds (the SHA-256
 * of the text), so it is byte-for-byte equality without holding long texts as map keys.
 */
export function dedupe(rows: DatasetRow[], op: DedupeOp, _ctx: OperationContext): OperationResult {
  const mode = op.mode ?? 'exact';
  const firstLabel = new Map<string, string | null>();
  const kept: DatasetRow[] = [];
  let conflictingLabels = 0;
  for (const row of rows) {
    const key = mode === 'exact' ? row.exampleId : normalizedKey(row.text);
    if (firstLabel.has(key)) {
      // A duplicate labelled differently from the kept row is a labelling problem worth surfacing.
      if (firstLabel.get(key) !== row.label) conflictingLabels++;
      continue;
    }
    firstLabel.set(key, row.label);
    kept.push(row);
  }
  return { rows: kept, details: { mode, removed: rows.length - kept.length, conflicting_labels: conflictingLabels } };
}
