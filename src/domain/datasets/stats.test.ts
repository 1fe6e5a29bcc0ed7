import { describe, expect, it } from 'vitest';
import { newRow, type DatasetRow } from './rows.js';
import { contentHash, versionStats } from './stats.js';

// sha256('a') and sha256('b'), the exampleIds of texts 'a' and 'b'.
const ID_A = 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb';
const ID_B = '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d';

describe('versionStats', () => {
  const rows: DatasetRow[] = [
    { ...newRow('a', 'pos'), split: 'train' },
    { ...newRow('b', 'neg', 'llm'), confidence: 0.9, split: 'train' },
    { ...newRow('a', 'pos', 'human'), split: 'validation' },
    newRow('c', null),
    { ...newRow('d', 'neg'), split: 'test' },
  ];

  it('summarises a small version', () => {
    const stats = versionStats(rows, [3, 1, 4, 1, 5]);
    expect(stats).toEqual({
      row_count: 5,
      labeled: 4,
      unlabeled: 1,
      duplicate_count: 1,
      label_distribution: { neg: 2, pos: 2 },
      label_sources: { human: 1, import: 2, llm: 1 },
      splits: {
        train: { rows: 2, label_distribution: { neg: 1, pos: 1 } },
        validation: { rows: 1, label_distribution: { pos: 1 } },
        test: { rows: 1, label_distribution: { neg: 1 } },
        unassigned: { rows: 1, label_distribution: {} },
      },
      // sorted 1 1 3 4 5: median rank ceil(2.5) = 3, p95 rank ceil(4.75) = 5, mean 14 / 5
      tokens: { min: 1, p50: 3, p95: 5, max: 5, mean: 2.8 },
    });
  });

  it('lists distribution keys alphabetically whatever the row order', () => {
    const stats = versionStats([newRow('1', 'zebra'), newRow('2', 'Apple'), newRow('3', 'apple')], [1, 1, 1]);
    expect(Object.keys(stats.label_distribution)).toEqual(['Apple', 'apple', 'zebra']);
    expect(JSON.stringify(stats.splits.unassigned.label_distribution)).toBe('{"Apple":1,"apple":1,"zebra":1}');
  });

  it('has no token stats for an empty version', () => {
    expect(versionStats([], [])).toMatchObject({
      row_count: 0,
      duplicate_count: 0,
      tokens: null,
      label_distribution: {},
    });
  });

  it('refuses token counts that do not line up with the rows', () => {
    expect(() => versionStats(rows, [1, 2])).toThrow(/one token count per row/);
  });
});

describe('contentHash', () => {
  const a: DatasetRow = { ...newRow('a', 'pos'), split: 'train' };
  const b = newRow('b', null);

  it('is the SHA-256 of one JSON line [exampleId, label, split] per row', () => {
    expect(a.exampleId).toBe(ID_A);
    expect(b.exampleId).toBe(ID_B);
    // printf '["<ID_A>","pos","train"]\n' | sha256sum
    expect(contentHash([a])).toBe('3a61c88509378c1a116a5bf6f93b8a800a66a869e71bdea692286f6303c84129');
    // printf '["<ID_A>","pos","train"]\n["<ID_B>",null,null]\n' | sha256sum
    expect(contentHash([a, b])).toBe('cc805726e7036be8ff7da9be034f43663a6954a977865e2275ad133faef7c738');
    expect(contentHash([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('depends on order, label and split but not on provenance', () => {
    const base = contentHash([a, b]);
    expect(contentHash([b, a])).not.toBe(base);
    expect(contentHash([{ ...a, label: 'neg' }, b])).not.toBe(base);
    expect(contentHash([{ ...a, split: 'test' }, b])).not.toBe(base);
    expect(contentHash([{ ...a, labelSource: 'human', confidence: 0.99 }, b])).toBe(base);
  });
});
