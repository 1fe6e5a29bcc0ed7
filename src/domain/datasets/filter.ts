import {
  checkBoolean,
  checkInteger,
  checkLabelList,
  OperationError,
  type OperationContext,
  type OperationOf,
  type OperationResult,
} from './operations.js';
import type { DatasetRow } from './rows.js';
import { countTokens } from './tokens.js';

type FilterOp = OperationOf<'filter'>;

export function validateFilter(op: FilterOp, index: number, ctx: OperationContext): void {
  const labels = new Set(ctx.labels);
  checkInteger(op.max_tokens, index, 'max_tokens', 1);
  checkInteger(op.min_chars, index, 'min_chars', 0);
  if (op.model !== undefined && (typeof op.model !== 'string' || op.model.trim() === '')) {
    throw new OperationError(index, 'model', 'model must be a non-empty model name');
  }
  checkLabelList(op.include_labels, labels, index, 'include_labels');
  checkLabelList(op.exclude_labels, labels, index, 'exclude_labels');
  checkBoolean(op.drop_unlabeled, index, 'drop_unlabeled');
}

/** True when `text` has at least `min` Unicode code points; stops counting once it knows. */
function hasMinCodePoints(text: string, min: number): boolean {
  // A code point is one or two UTF-16 units, so the length bounds the count from both sides.
  if (text.length < min) return false;
  if (text.length >= 2 * min) return true;
  let count = 0;
  for (const _ of text) if (++count >= min) return true;
  return count >= min;
}

/** Every token covers at least one UTF-8 byte, so short texts need no tokenizing at all. */
function withinTokens(text: string, max: number, model: string): boolean {
  return Buffer.byteLength(text, 'utf8') <= max || countTokens(text, model) <= max;
}

/**
 * Keeps rows that pass every criterion. Label criteria apply to labelled rows only; unlabelled
 * rows are removed by `drop_unlabeled` alone. Each removed row is counted once, against the first
 * criterion it fails, checked cheapest first so tokenizing is reserved for rows still in play.
 */
export function filter(rows: DatasetRow[], op: FilterOp, ctx: OperationContext): OperationResult {
  const include = op.include_labels ? new Set(op.include_labels) : null;
  const exclude = new Set(op.exclude_labels ?? []);
  const model = op.model ?? ctx.tokenizerModel;
  const removed = { unlabeled: 0, include_labels: 0, exclude_labels: 0, min_chars: 0, max_tokens: 0 };
  const kept: DatasetRow[] = [];
  for (const row of rows) {
    if (row.label === null && op.drop_unlabeled) removed.unlabeled++;
    else if (row.label !== null && include && !include.has(row.label)) removed.include_labels++;
    else if (row.label !== null && exclude.has(row.label)) removed.exclude_labels++;
    else if (op.min_chars !== undefined && !hasMinCodePoints(row.text, op.min_chars)) removed.min_chars++;
    else if (op.max_tokens !== undefined && !withinTokens(row.text, op.max_tokens, model)) removed.max_tokens++;
    else kept.push(row);
  }
  const details: Record<string, number | string> = { removed: rows.length - kept.length };
  for (const [criterion, count] of Object.entries(removed)) details[`removed_${criterion}`] = count;
  if (op.max_tokens !== undefined) details.tokenizer_model = model;
  return { rows: kept, details };
}
