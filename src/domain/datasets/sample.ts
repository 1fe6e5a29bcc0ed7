import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { seededRng } from '../seeded-rng.js';
import {
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkSeed,
  DEFAULT_SEED,
  indicesByLabel,
  OperationError,
  sortedGroupKeys,
  type OperationContext,
  type OperationOf,
  type OperationResult,
} from './operations.js';
import { SPLITS, type DatasetRow, type Split } from './rows.js';

type SampleOp = OperationOf<'sample'>;

export function validateSample(op: SampleOp, index: number, _ctx: OperationContext): void {
  checkInteger(op.max_per_label, index, 'max_per_label', 1);
  checkOneOf(op.balance, ['undersample', 'oversample'], index, 'balance');
  checkSeed(op.seed, index);
  if (op.fraction !== undefined) {
    if (typeof op.fraction !== 'number' || !(op.fraction > 0 && op.fraction <= 1))
      throw new OperationError(index, 'fraction', 'fraction must be a number above 0 and at most 1');
    // "Half of each label" and "as many of each label as the smallest" answer different questions.
    if (op.balance !== undefined)
      throw new OperationError(index, 'fraction', 'fraction cannot be combined with balance');
  }
  checkBoolean(op.within_splits, index, 'within_splits');
  if (op.keep_splits !== undefined) {
    if (op.within_splits !== true)
      throw new OperationError(index, 'keep_splits', 'keep_splits needs within_splits: true');
    if (!Array.isArray(op.keep_splits))
      throw new OperationError(index, 'keep_splits', 'keep_splits must be an array of splits');
    for (const [i, split] of op.keep_splits.entries()) checkOneOf(split, SPLITS, index, `keep_splits[${i}]`);
  }
}

/** `count` distinct members chosen by a partial Fisher–Yates, returned in their original order. */
function pickDistinct(members: readonly number[], count: number, rng: RandomGenerator): number[] {
  const pool = [...members];
  for (let i = 0; i < count; i++) {
    const j = uniformInt(rng, i, pool.length - 1);
    const tmp = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = tmp;
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

/**
 * Copies that bring a group up to `target`: whole rounds of the group first, then a seeded
 * choice of distinct rows for the rest, so no row is repeated more than once beyond any other.
 */
function oversampleCopies(members: readonly number[], target: number, rng: RandomGenerator): number[] {
  const copies: number[] = [];
  const rounds = Math.floor(target / members.length) - 1;
  for (let round = 0; round < rounds; round++) for (const i of members) copies.push(i);
  for (const i of pickDistinct(members, target % members.length, rng)) copies.push(i);
  return copies;
}

/**
 * Caps, balances or takes a fraction of rows per label. Balancing evens out labels only;
 * unlabelled rows are a group of their own that `max_per_label` and `fraction` shrink but balancing
 * leaves alone. A fraction keeps round(fraction × size) rows of each group, at least one, so every
 * label stays. With `within_splits` each split (unsplit rows as one more) is sampled on its own,
 * and the splits in `keep_splits` (default: test, so every model is still measured on the same
 * rows) pass unchanged. Kept rows stay in input order; oversampled copies follow all originals,
 * grouped by split, then by label in sorted label order.
 */
export function sample(rows: DatasetRow[], op: SampleOp, _ctx: OperationContext): OperationResult {
  const rng = seededRng(op.seed ?? DEFAULT_SEED);
  const keep = new Uint8Array(rows.length);
  const copies: number[] = [];
  const kept = new Set<Split | null>(op.within_splits ? (op.keep_splits ?? ['test']) : []);
  let balancedTo: number | undefined;
  let keptUnchanged = 0;
  // A fixed split order decides which generator draws each part gets.
  const parts = op.within_splits ? partsBySplit(rows) : [{ split: null, members: rows.map((_, i) => i) }];
  for (const { split, members } of parts) {
    if (kept.has(split)) {
      for (const i of members) keep[i] = 1;
      keptUnchanged += members.length;
      continue;
    }
    const balanced = samplePart(rows, members, op, rng, keep, copies);
    if (balanced !== undefined) balancedTo = Math.max(balancedTo ?? 0, balanced);
  }
  const out: DatasetRow[] = [];
  rows.forEach((row, i) => {
    if (keep[i]) out.push(row);
  });
  for (const i of copies) out.push(rows[i] as DatasetRow);
  const details: Record<string, number | string> = {
    removed: rows.length - (out.length - copies.length),
    added: copies.length,
  };
  if (balancedTo !== undefined) details.balanced_to = balancedTo;
  if (op.within_splits) {
    details.kept_splits = [...kept].join(',');
    details.kept_unchanged = keptUnchanged;
  }
  return { rows: out, details };
}

function partsBySplit(rows: readonly DatasetRow[]): { split: Split | null; members: number[] }[] {
  const order: (Split | null)[] = [...SPLITS, null];
  const members = new Map<Split | null, number[]>(order.map((split) => [split, []]));
  for (const [i, row] of rows.entries()) members.get(row.split)?.push(i);
  return order.map((split) => ({ split, members: members.get(split) ?? [] })).filter((part) => part.members.length);
}

/** Samples the rows at `members` into `keep` and `copies`; answers the balanced group size, if any. */
function samplePart(
  rows: readonly DatasetRow[],
  members: readonly number[],
  op: SampleOp,
  rng: RandomGenerator,
  keep: Uint8Array,
  copies: number[],
): number | undefined {
  const groups = indicesByLabel(members.map((i) => rows[i] as DatasetRow));
  const labelSizes = [...groups].filter(([label]) => label !== null).map(([, group]) => group.length);
  const balanceTo =
    labelSizes.length === 0 || op.balance === undefined
      ? undefined
      : op.balance === 'undersample'
        ? Math.min(...labelSizes)
        : Math.max(...labelSizes);
  // Sorted keys fix which generator draws each group gets, whatever order the rows come in.
  for (const label of sortedGroupKeys(groups)) {
    const group = (groups.get(label) ?? []).map((local) => members[local] as number);
    let target = label !== null && balanceTo !== undefined ? balanceTo : group.length;
    if (op.fraction !== undefined) target = Math.max(1, Math.round(group.length * op.fraction));
    if (op.max_per_label !== undefined) target = Math.min(target, op.max_per_label);
    const chosen = target >= group.length ? group : pickDistinct(group, target, rng);
    for (const i of chosen) keep[i] = 1;
    // Appended one by one: spreading a 100k-element array into push() overflows the stack.
    if (target > group.length) for (const i of oversampleCopies(group, target, rng)) copies.push(i);
  }
  return balanceTo === undefined ? undefined : Math.min(balanceTo, op.max_per_label ?? balanceTo);
}
