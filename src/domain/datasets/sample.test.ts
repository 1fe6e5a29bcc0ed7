import { describe, expect, it } from 'vitest';
import { newRow, type DatasetRow } from './rows.js';
import { sample, validateSample } from './sample.js';

const ctx = { labels: ['a', 'b', 'c'], tokenizerModel: 'gpt-4o-mini' };

// a×5, b×2, c×3, unlabelled×4, interleaved.
const labels = ['a', 'b', null, 'a', 'c', 'a', null, 'c', 'b', 'a', null, 'c', 'a', null];
const rows = labels.map((label, i) => newRow(`row ${i}`, label));
const positions = (out: DatasetRow[]) => out.map((row) => rows.indexOf(row));
const countBy = (out: DatasetRow[]) => {
  const counts: Record<string, number> = {};
  for (const row of out) counts[row.label ?? '(none)'] = (counts[row.label ?? '(none)'] ?? 0) + 1;
  return counts;
};

describe('sample', () => {
  it('caps each label, unlabelled rows included, keeping input order', () => {
    const result = sample(rows, { op: 'sample', max_per_label: 2 }, ctx);
    expect(countBy(result.rows)).toEqual({ a: 2, b: 2, c: 2, '(none)': 2 });
    const kept = positions(result.rows);
    expect(kept).toEqual([...kept].sort((x, y) => x - y));
    expect(result.details).toEqual({ removed: 6, added: 0 });
  });

  it('undersamples labels to the smallest label, leaving unlabelled rows alone', () => {
    const result = sample(rows, { op: 'sample', balance: 'undersample', seed: 7 }, ctx);
    expect(countBy(result.rows)).toEqual({ a: 2, b: 2, c: 2, '(none)': 4 });
    expect(result.details).toEqual({ removed: 4, added: 0, balanced_to: 2 });
  });

  it('oversamples labels up to the largest, appending copies spread evenly over the originals', () => {
    const result = sample(rows, { op: 'sample', balance: 'oversample', seed: 7 }, ctx);
    expect(countBy(result.rows)).toEqual({ a: 5, b: 5, c: 5, '(none)': 4 });
    expect(result.rows.slice(0, rows.length)).toEqual(rows);
    expect(result.details).toEqual({ removed: 0, added: 5, balanced_to: 5 });
    // b has 2 rows and needs 5: each appears 2 or 3 times, never 1 and 4.
    const bCopies = result.rows.filter((row) => row.label === 'b').map((row) => row.text);
    expect(new Set(['row 1', 'row 8'].map((t) => bCopies.filter((c) => c === t).length))).toEqual(new Set([2, 3]));
  });

  it('caps after balancing', () => {
    const result = sample(rows, { op: 'sample', balance: 'oversample', max_per_label: 4 }, ctx);
    expect(countBy(result.rows)).toEqual({ a: 4, b: 4, c: 4, '(none)': 4 });
    expect(result.details).toMatchObject({ removed: 1, added: 3, balanced_to: 4 });
  });

  it('is deterministic for a seed and varies with it', () => {
    const many = Array.from({ length: 200 }, (_, i) => newRow(`text ${i}`, i % 4 === 0 ? 'b' : 'a'));
    const op = { op: 'sample', max_per_label: 10, seed: 1 } as const;
    const first = sample(many, op, ctx).rows;
    expect(sample(many, op, ctx).rows).toEqual(first);
    expect(sample(many, { ...op, seed: 2 }, ctx).rows).not.toEqual(first);
    const oversampled = sample(many, { op: 'sample', balance: 'oversample', seed: 3 }, ctx).rows;
    expect(sample(many, { op: 'sample', balance: 'oversample', seed: 3 }, ctx).rows).toEqual(oversampled);
  });

  it('handles a version with no labelled rows', () => {
    const unlabelled = [newRow('x', null), newRow('y', null)];
    expect(sample(unlabelled, { op: 'sample', balance: 'undersample' }, ctx).rows).toEqual(unlabelled);
    expect(sample([], { op: 'sample', max_per_label: 1 }, ctx).rows).toEqual([]);
  });

  it.each([
    [{ op: 'sample', max_per_label: 0 }, 'max_per_label'],
    [{ op: 'sample', balance: 'smote' }, 'balance'],
    [{ op: 'sample', seed: -1 }, 'seed'],
    [{ op: 'sample', seed: 2 ** 32 }, 'seed'],
  ])('rejects %j at field %s', (op, field) => {
    expect(() => validateSample(op as never, 1, ctx)).toThrow(expect.objectContaining({ index: 1, field }));
  });
});

describe('sample by fraction within splits', () => {
  // train: a×6, b×4; test: a×3, b×3; unsplit: a×2.
  const layout: [string, 'train' | 'test' | null][] = [
    ...Array.from({ length: 6 }, () => ['a', 'train'] as [string, 'train']),
    ...Array.from({ length: 4 }, () => ['b', 'train'] as [string, 'train']),
    ...Array.from({ length: 3 }, () => ['a', 'test'] as [string, 'test']),
    ...Array.from({ length: 3 }, () => ['b', 'test'] as [string, 'test']),
    ['a', null],
    ['a', null],
  ];
  const splitRows = layout.map(([label, split], i) => ({ ...newRow(`s${i}`, label), split }));
  const bySplit = (out: DatasetRow[]) => {
    const counts: Record<string, number> = {};
    for (const row of out) counts[`${row.split}:${row.label}`] = (counts[`${row.split}:${row.label}`] ?? 0) + 1;
    return counts;
  };

  it('halves every label of every split but test, which stays as it was', () => {
    const result = sample(splitRows, { op: 'sample', fraction: 0.5, within_splits: true, seed: 3 }, ctx);
    expect(bySplit(result.rows)).toEqual({ 'train:a': 3, 'train:b': 2, 'test:a': 3, 'test:b': 3, 'null:a': 1 });
    expect(result.rows.filter((row) => row.split === 'test')).toEqual(splitRows.filter((row) => row.split === 'test'));
    expect(result.details).toEqual({ removed: 6, added: 0, kept_splits: 'test', kept_unchanged: 6 });
  });

  it('samples every split with keep_splits: [], and keeps none fixed without within_splits', () => {
    const all = sample(splitRows, { op: 'sample', fraction: 0.5, within_splits: true, keep_splits: [], seed: 3 }, ctx);
    expect(bySplit(all.rows)).toEqual({ 'train:a': 3, 'train:b': 2, 'test:a': 2, 'test:b': 2, 'null:a': 1 });
    // Over the whole version: a×11 → 6, b×7 → 4, whichever split the rows are in.
    expect(countBy(sample(splitRows, { op: 'sample', fraction: 0.5, seed: 3 }, ctx).rows)).toEqual({ a: 6, b: 4 });
  });

  it('is deterministic for a seed', () => {
    const op = { op: 'sample' as const, fraction: 0.3, within_splits: true, seed: 11 };
    expect(sample(splitRows, op, ctx).rows).toEqual(sample(splitRows, op, ctx).rows);
  });

  it.each([
    [{ fraction: 0 }, 'fraction'],
    [{ fraction: 1.5 }, 'fraction'],
    [{ fraction: 0.5, balance: 'undersample' }, 'fraction'],
    [{ keep_splits: ['test'] }, 'keep_splits'],
    [{ within_splits: true, keep_splits: ['holdout'] }, 'keep_splits[0]'],
  ])('refuses %j', (params, field) => {
    expect(() => validateSample({ op: 'sample', ...params } as never, 0, ctx)).toThrow(
      expect.objectContaining({ field }),
    );
  });
});
