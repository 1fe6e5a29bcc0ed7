import { seededRng, shuffleInPlace } from '../seeded-rng.js';
import {
  checkBoolean,
  checkInteger,
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

type SplitOp = OperationOf<'split'>;

export function validateSplit(op: SplitOp, index: number, _ctx: OperationContext): void {
  for (const split of SPLITS) {
    const fraction: unknown = op[split];
    if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw new OperationError(index, split, `${split} must be a fraction between 0 and 1`);
    }
  }
  const sum = op.train + op.validation + op.test;
  if (Math.abs(sum - 1) > 1e-9) {
    throw new OperationError(index, 'train+validation+test', `train, validation and test must add up to 1, not ${sum}`);
  }
  checkSeed(op.seed, index);
  checkBoolean(op.stratify, index, 'stratify');
  checkInteger(op.min_test_rows, index, 'min_test_rows', 0, 1_000_000);
}

/** A test split sized up to `min_test_rows` never takes more than this share of the rows. */
const MAX_TEST_SHARE = 0.5;

// Remainders equal on paper can differ in the last bits (5 * 0.1 vs 5 * (1 - 0.9)); compare them
// at a resolution that ignores that noise so ties are real ties.
const remainderKey = (quota: number) => Math.round((quota - Math.floor(quota)) * 1e9);

/**
 * Sizes of each split for a stratum of `n` rows: floors of the quotas, leftover rows to the
 * largest remainders. Ties go to the split furthest behind its quota over the strata sized so far
 * (`carry`), so small strata do not all round the same way. When the stratum is big enough, every
 * split with a non-zero fraction gets a row, taken from the split most over its quota.
 */
export function allocateStratum(n: number, fractions: readonly number[], carry: number[]): number[] {
  const quotas = fractions.map((fraction) => n * fraction);
  const counts = quotas.map(Math.floor);
  const active = fractions.map((_, s) => s).filter((s) => (fractions[s] as number) > 0);
  const byRemainder = [...active].sort(
    (a, b) =>
      remainderKey(quotas[b] as number) - remainderKey(quotas[a] as number) ||
      (carry[b] as number) - (carry[a] as number) ||
      a - b,
  );
  let left = n - counts.reduce((sum, count) => sum + count, 0);
  for (let k = 0; left > 0; k++, left--) counts[byRemainder[k % byRemainder.length] as number]! += 1;
  if (n >= active.length) {
    for (const s of active) {
      if (counts[s] !== 0) continue;
      // n >= active splits and one of them is empty, so some other split holds two or more rows.
      const donor = active
        .filter((d) => (counts[d] as number) >= 2)
        .reduce((best, d) =>
          (counts[d] as number) - (quotas[d] as number) > (counts[best] as number) - (quotas[best] as number)
            ? d
            : best,
        );
      counts[donor]! -= 1;
      counts[s] = 1;
    }
  }
  for (const [s, count] of counts.entries()) carry[s]! += (quotas[s] as number) - count;
  return counts;
}

/**
 * Assigns every row a split; rows keep their order and every other field. Stratified by label
 * (unlabelled rows are a stratum of their own) unless `stratify: false`. Each stratum is shuffled
 * with the seeded generator, strata in sorted label order, so the result depends only on the
 * rows, the fractions and the seed.
 */
export function split(rows: DatasetRow[], op: SplitOp, _ctx: OperationContext): OperationResult {
  const total = op.train + op.validation + op.test;
  // Normalised so the quotas of a stratum add up to its size despite the 1e-9 tolerance.
  const fractions = SPLITS.map((s) => op[s] / total);
  const strata =
    op.stratify === false ? new Map<string | null, number[]>([[null, rows.map((_, i) => i)]]) : indicesByLabel(rows);
  const assign = (shares: number[]) => {
    const rng = seededRng(op.seed ?? DEFAULT_SEED);
    const assigned = new Array<Split>(rows.length);
    const carry = SPLITS.map(() => 0);
    const totals = SPLITS.map(() => 0);
    for (const key of sortedGroupKeys(strata)) {
      const members = shuffleInPlace([...(strata.get(key) ?? [])], rng);
      const counts = allocateStratum(members.length, shares, carry);
      let next = 0;
      counts.forEach((count, s) => {
        totals[s]! += count;
        for (const end = next + count; next < end; next++) assigned[members[next] as number] = SPLITS[s] as Split;
      });
    }
    return { assigned, totals };
  };
  let { assigned, totals } = assign(fractions);
  const details: Record<string, number | string> = {};
  const wanted = op.min_test_rows ?? 0;
  if ((totals[2] ?? 0) < wanted) {
    // Rounding per stratum can land a row or two short of the share asked for: grow it a row at a time.
    const most = Math.floor(rows.length * MAX_TEST_SHARE);
    for (
      let rowsAsked = Math.min(wanted, most);
      (totals[2] ?? 0) < Math.min(wanted, most) && rowsAsked <= most;
      rowsAsked += 1
    ) {
      ({ assigned, totals } = assign(withTestShare(fractions, rowsAsked / rows.length)));
    }
    details['test_share'] = Number(((totals[2] ?? 0) / rows.length).toFixed(4));
    if ((totals[2] ?? 0) < wanted) {
      details['min_test_rows_unmet'] =
        `${rows.length} rows allow a test split of ${totals[2] ?? 0} (at most ${MAX_TEST_SHARE * 100} % of the rows), fewer than the ${wanted} asked for`;
    }
  }
  const out = rows.map((row, i) => (row.split === assigned[i] ? row : { ...row, split: assigned[i] as Split }));
  return {
    rows: out,
    details: {
      train: totals[0] ?? 0,
      validation: totals[1] ?? 0,
      test: totals[2] ?? 0,
      strata: strata.size,
      ...details,
    },
  };
}

/** Fractions with the test share raised to `test`, train and validation shrunk in proportion. */
function withTestShare(fractions: number[], test: number): number[] {
  const [train = 0, validation = 0] = fractions;
  const rest = train + validation;
  return rest === 0 ? [0, 0, 1] : [(train / rest) * (1 - test), (validation / rest) * (1 - test), test];
}
