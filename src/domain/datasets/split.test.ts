import { describe, expect, it } from 'vitest';
import { newRow, type DatasetRow } from './rows.js';
import { allocateStratum, split, validateSplit } from './split.js';
import { contentHash } from './stats.js';

const ctx = { labels: ['a', 'b', 'c'], tokenizerModel: 'gpt-4o-mini' };
const op = { op: 'split', train: 0.8, validation: 0.1, test: 0.1 } as const;

const rowsWith = (counts: Record<string, number>): DatasetRow[] =>
  Object.entries(counts).flatMap(([label, n]) =>
    Array.from({ length: n }, (_, i) => newRow(`${label} ${i}`, label === 'none' ? null : label)),
  );

/** split → label ("none" for unlabelled) → rows. */
function table(rows: DatasetRow[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    const split = row.split ?? 'unassigned';
    out[split] ??= {};
    const bySplit = out[split];
    bySplit[row.label ?? 'none'] = (bySplit[row.label ?? 'none'] ?? 0) + 1;
  }
  return out;
}

describe('allocateStratum', () => {
  it('gives leftover rows to the largest remainders', () => {
    expect(allocateStratum(10, [0.8, 0.1, 0.1], [0, 0, 0])).toEqual([8, 1, 1]);
    // quotas 4.9 / 1.05 / 1.05 → floors 4 / 1 / 1, one left over for train
    expect(allocateStratum(7, [0.7, 0.15, 0.15], [0, 0, 0])).toEqual([5, 1, 1]);
    // quotas 80.8 / 10.1 / 10.1
    expect(allocateStratum(101, [0.8, 0.1, 0.1], [0, 0, 0])).toEqual([81, 10, 10]);
  });

  it('gives every non-zero split a row once the stratum is big enough', () => {
    expect(allocateStratum(3, [0.98, 0.01, 0.01], [0, 0, 0])).toEqual([1, 1, 1]);
    expect(allocateStratum(2, [0.8, 0.1, 0.1], [0, 0, 0])).toEqual([2, 0, 0]);
    expect(allocateStratum(4, [0.5, 0.5, 0], [0, 0, 0])).toEqual([2, 2, 0]);
  });

  it('breaks remainder ties toward the split furthest behind across strata', () => {
    const carry = [0, 0, 0];
    expect(allocateStratum(5, [0.5, 0.5, 0], carry)).toEqual([3, 2, 0]);
    expect(allocateStratum(5, [0.5, 0.5, 0], carry)).toEqual([2, 3, 0]);
    expect(carry).toEqual([0, 0, 0]);
  });
});

describe('split', () => {
  it('stratifies by label, unlabelled rows as their own stratum', () => {
    const rows = rowsWith({ a: 50, b: 30, c: 5, none: 3 });
    const result = split(rows, op, ctx);
    // c: quotas 4 / .5 / .5 → 4 / 1 / 0 → test needs one → 3 / 1 / 1.
    // none: quotas 2.4 / .3 / .3 → 3 / 0 / 0 → 1 / 1 / 1.
    expect(table(result.rows)).toEqual({
      train: { a: 40, b: 24, c: 3, none: 1 },
      validation: { a: 5, b: 3, c: 1, none: 1 },
      test: { a: 5, b: 3, c: 1, none: 1 },
    });
    expect(result.details).toEqual({ train: 68, validation: 10, test: 10, strata: 4 });
  });

  it('without stratification sizes the whole set by largest remainder', () => {
    const result = split(rowsWith({ a: 90, b: 11 }), { ...op, stratify: false }, ctx);
    expect(result.details).toEqual({ train: 81, validation: 10, test: 10, strata: 1 });
  });

  it('changes only the split field and keeps input order', () => {
    const rows = rowsWith({ b: 7, a: 9, none: 4 }).map(
      (row): DatasetRow => ({
        ...row,
        split: 'test',
        labelSource: row.label === null ? null : 'llm',
        confidence: row.label === null ? null : 0.5,
      }),
    );
    const result = split(rows, op, ctx);
    expect(result.rows.map(({ split: _split, ...rest }) => rest)).toEqual(
      rows.map(({ split: _split, ...rest }) => rest),
    );
    expect(result.rows.every((row) => row.split !== null)).toBe(true);
  });

  it('leaves splits with a zero fraction empty', () => {
    const result = split(rowsWith({ a: 9, b: 3 }), { op: 'split', train: 0.5, validation: 0.5, test: 0 }, ctx);
    expect(result.details).toMatchObject({ train: 6, validation: 6, test: 0 });
    expect(result.rows.some((row) => row.split === 'test')).toBe(false);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const rows = rowsWith({ a: 60, b: 40 });
    const first = split(rows, { ...op, seed: 1 }, ctx).rows;
    const again = split(rows, { ...op, seed: 1 }, ctx).rows;
    const other = split(rows, { ...op, seed: 2 }, ctx).rows;
    expect(contentHash(again)).toBe(contentHash(first));
    expect(contentHash(other)).not.toBe(contentHash(first));
    expect(table(other)).toEqual(table(first));
    expect(split(rows, op, ctx).rows).toEqual(split(rows, { ...op, seed: 42 }, ctx).rows);
  });

  it('accepts fractions that add up to 1 within floating-point error', () => {
    expect(() => validateSplit({ op: 'split', train: 0.7, validation: 0.2, test: 0.1 }, 0, ctx)).not.toThrow();
    expect(
      split(rowsWith({ a: 10 }), { op: 'split', train: 0.7, validation: 0.2, test: 0.1 }, ctx).details,
    ).toMatchObject({ train: 7, validation: 2, test: 1 });
  });

  it.each([
    [{ op: 'split', train: 0.8, validation: 0.1, test: 0.05 }, 'train+validation+test'],
    [{ op: 'split', train: 1.2, validation: -0.1, test: -0.1 }, 'train'],
    [{ op: 'split', train: 0.9, validation: -0.1, test: 0.2 }, 'validation'],
    [{ op: 'split', train: 0.8, validation: 0.1 }, 'test'],
    [{ ...op, seed: 1.5 }, 'seed'],
    [{ ...op, stratify: 'no' }, 'stratify'],
  ])('rejects %j at field %s', (bad, field) => {
    expect(() => validateSplit(bad as never, 4, ctx)).toThrow(expect.objectContaining({ index: 4, field }));
  });
});

describe('split with min_test_rows', () => {
  const seventyFifteen = { op: 'split', train: 0.7, validation: 0.15, test: 0.15, min_test_rows: 30 } as const;
  const count = (rows: DatasetRow[], name: string) => rows.filter((row) => row.split === name).length;

  it('grows a test split below the minimum, taking from train and validation in proportion, still stratified', () => {
    const rows = rowsWith({ a: 90, b: 60 }); // 150 rows: 15 % would be 22 or 23
    const { rows: out, details } = split(rows, seventyFifteen, ctx);
    expect(count(out, 'test')).toBeGreaterThanOrEqual(30);
    expect(count(out, 'test')).toBeLessThanOrEqual(31);
    expect(count(out, 'train') / count(out, 'validation')).toBeCloseTo(0.7 / 0.15, 0);
    expect(table(out)['test']).toEqual({ a: 18, b: 12 });
    expect(details['test']).toBe(count(out, 'test'));
    expect(details['min_test_rows_unmet']).toBeUndefined();
  });

  it('leaves a split that already meets the minimum exactly as without it', () => {
    const rows = rowsWith({ a: 300, b: 200 });
    expect(split(rows, seventyFifteen, ctx)).toEqual(
      split(rows, { op: 'split', train: 0.7, validation: 0.15, test: 0.15 }, ctx),
    );
  });

  it('stops at half the rows and says the minimum was not met', () => {
    const rows = rowsWith({ a: 20, b: 20 });
    const { rows: out, details } = split(rows, seventyFifteen, ctx);
    expect(count(out, 'test')).toBe(20);
    expect(details['min_test_rows_unmet']).toMatch(/40 rows allow a test split of 20 .* fewer than the 30 asked for/);
  });

  it('is deterministic and rejects a bad value', () => {
    const rows = rowsWith({ a: 90, b: 60, c: 7 });
    expect(contentHash(split(rows, seventyFifteen, ctx).rows)).toBe(contentHash(split(rows, seventyFifteen, ctx).rows));
    expect(() => validateSplit({ ...seventyFifteen, min_test_rows: -1 }, 0, ctx)).toThrow(/min_test_rows/);
    expect(() => validateSplit({ ...seventyFifteen, min_test_rows: 1.5 }, 0, ctx)).toThrow(/min_test_rows/);
  });
});
