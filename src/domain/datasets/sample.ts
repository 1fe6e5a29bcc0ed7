import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { seededRng } from '../seeded-rng.js';
import {
  checkInteger,
  checkOneOf,
  checkSeed,
  DEFAULT_SEED,
  indicesByLabel,
  sortedGroupKeys,
  type OperationContext,
  type OperationOf,
  type OperationResult,
} from './operations.js';
import type { DatasetRow } from './rows.js';

type SampleOp = OperationOf<'sample'>;

export function validateSample(op: SampleOp, index: number, _ctx: OperationContext): void {
  checkInteger(op.max_per_label, index, 'max_per_label', 1);
  checkOneOf(op.balance, ['undersample', 'oversample'], index, 'balance');
  checkSeed(op.seed, index);
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
 * Caps and/or balances rows per label. Balancing evens out labels only; unlabelled rows are a
 * group of their own that `max_per_label` caps but balancing leaves alone. Kept rows stay in input
 * order; oversampled copies follow all originals, grouped by label in sorted label order.
 */
export function sample(rows: DatasetRow[], op: SampleOp, _ctx: OperationContext): OperationResult {
  const groups = indicesByLabel(rows);
  const labelSizes = [...groups].filter(([label]) => label !== null).map(([, members]) => members.length);
  const balanceTo =
    labelSizes.length === 0 || op.balance === undefined
      ? undefined
      : op.balance === 'undersample'
        ? Math.min(...labelSizes)
        : Math.max(...labelSizes);
  const rng = seededRng(op.seed ?? DEFAULT_SEED);
  const keep = new Uint8Array(rows.length);
  const copies: number[] = [];
  // Sorted keys fix which generator draws each group gets, whatever order the rows come in.
  for (const label of sortedGroupKeys(groups)) {
    const members = groups.get(label) ?? [];
    let target = label !== null && balanceTo !== undefined ? balanceTo : members.length;
    if (op.max_per_label !== undefined) target = Math.min(target, op.max_per_label);
    const chosen = target >= members.length ? members : pickDistinct(members, target, rng);
    for (const i of chosen) keep[i] = 1;
    // Appended one by one: spreading a 100k-element array into push() overflows the stack.
    if (target > members.length) for (const i of oversampleCopies(members, target, rng)) copies.push(i);
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
  if (balanceTo !== undefined) details.balanced_to = Math.min(balanceTo, op.max_per_label ?? balanceTo);
  return { rows: out, details };
}
