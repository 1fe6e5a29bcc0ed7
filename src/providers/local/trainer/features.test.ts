import { describe, expect, it } from 'vitest';
import { createVectorizer, fitTransform, type FitOptions } from './features.js';
import { GramTable } from './gram-table.js';
import { PairTable } from './pair-table.js';
import { concatRows, type SparseRows } from './sparse-rows.js';

const OPTIONS: FitOptions = {
  minDf: 1,
  maxWordFeatures: 1000,
  maxCharFeatures: 1000,
  minCharGram: 2,
  maxCharGram: 5,
  wordWeight: Math.SQRT1_2,
};

const rowOf = (rows: SparseRows, i: number) => {
  const start = rows.offsets[i]!;
  const end = rows.offsets[i + 1]!;
  return new Map(Array.from(rows.indices.subarray(start, end), (index, p) => [index, rows.values[start + p]!]));
};

describe('GramTable', () => {
  const gramsOf = (table: GramTable, word: string, min: number, max: number, add = true) =>
    table.gramsOf(` ${word} `, min, max, add, []).map((id) => table.grams[id]);

  it('takes 2–5-grams of the space-padded word, by code point', () => {
    const table = new GramTable(4);
    expect(gramsOf(table, 'ab', 2, 5)).toEqual([' a', 'ab', 'b ', ' ab', 'ab ', ' ab ']);
    expect(gramsOf(table, 'a😀', 2, 2)).toEqual([' a', 'a😀', '😀 ']);
  });

  it('interns each gram once and finds only known grams', () => {
    const table = new GramTable(4);
    const words = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
    const first = words.map((word) => table.gramsOf(` ${word} `, 2, 3, true, []));
    const size = table.size;
    expect(words.map((word) => table.gramsOf(` ${word} `, 2, 3, false, []))).toEqual(first);
    expect(table.size).toBe(size);
    expect(new Set(table.grams).size).toBe(size);
    expect(gramsOf(table, 'QQ', 2, 2, false)).toEqual([]);
  });
});

describe('fitTransform', () => {
  const texts = ['the cat sat', 'the dog sat', 'a cat ran', 'Dogs run!'];

  it('keeps word unigrams, bigrams and character grams, and idf is smoothed', () => {
    const { features } = fitTransform(texts, OPTIONS);
    expect(features.words).toEqual(expect.arrayContaining(['the', 'cat', 'the cat', 'cat sat', 'dogs']));
    expect(features.chars).toEqual(expect.arrayContaining([' t', 'the', ' cat ']));
    const idfOf = (term: string) => features.idf[features.words.indexOf(term)];
    // 'the' is in 2 of 4 texts: ln(5 / 3) + 1.
    expect(idfOf('the')).toBeCloseTo(Math.log(5 / 3) + 1, 6);
  });

  it('matches the vectoriser built from its own vocabulary, row for row', () => {
    const { features, rows } = fitTransform(texts, { ...OPTIONS, minDf: 2 });
    const again = createVectorizer(features).transform(texts);
    expect(Array.from(again.offsets)).toEqual(Array.from(rows.offsets));
    for (let i = 0; i < texts.length; i++) expect(rowOf(again, i)).toEqual(rowOf(rows, i));
  });

  it('gives unit-length vectors whose word and character blocks weigh as configured', () => {
    const { features, rows } = fitTransform(texts, { ...OPTIONS, wordWeight: 0.6 });
    for (let i = 0; i < texts.length; i++) {
      let words = 0;
      let chars = 0;
      for (const [index, value] of rowOf(rows, i)) {
        if (index < features.words.length) words += value * value;
        else chars += value * value;
      }
      expect(words).toBeCloseTo(0.36, 5);
      expect(chars).toBeCloseTo(0.64, 5);
    }
  });

  it('applies minDf, the feature caps (most frequent first) and the character max df', () => {
    const { features } = fitTransform(texts, { ...OPTIONS, minDf: 2, maxWordFeatures: 2, maxCharDf: 0.5 });
    expect(features.words).toEqual(['the', 'cat']);
    // " t" starts "the" in 2 of 4 texts, at the 50 % cap; "t " ends "cat" or "sat" in 3.
    expect(features.chars).toContain(' t');
    expect(features.chars).not.toContain('t ');
  });

  it('vectorises unseen text with known terms only, and an empty vector when none is known', () => {
    const vectorizer = createVectorizer(fitTransform(texts, OPTIONS).features);
    expect(vectorizer.vectorize('').indices.length).toBe(0);
    expect(vectorizer.vectorize('qqq').indices.length).toBe(0);
    const known = vectorizer.vectorize('the zebra');
    expect(known.indices.length).toBeGreaterThan(0);
    expect(known.values.reduce((sum, value) => sum + value * value, 0)).toBeCloseTo(1, 5);
  });
});

describe('concatRows', () => {
  it('appends the rows of the second matrix', () => {
    const a: SparseRows = {
      offsets: Int32Array.from([0, 1]),
      indices: Int32Array.from([3]),
      values: Float32Array.from([1]),
    };
    const b: SparseRows = {
      offsets: Int32Array.from([0, 2, 2]),
      indices: Int32Array.from([1, 2]),
      values: Float32Array.from([0.5, 0.5]),
    };
    const joined = concatRows(a, b);
    expect(Array.from(joined.offsets)).toEqual([0, 1, 3, 3]);
    expect(Array.from(joined.indices)).toEqual([3, 1, 2]);
  });
});

describe('PairTable', () => {
  it('stores and finds pairs through growth', () => {
    const table = new PairTable(4);
    for (let i = 0; i < 5000; i++) expect(table.intern(i, i * 7, i)).toBe(i);
    expect(table.intern(3, 21, 99)).toBe(3);
    for (let i = 0; i < 5000; i++) expect(table.get(i, i * 7)).toBe(i);
    expect(table.get(21, 3)).toBe(-1);
    expect(table.size).toBe(5000);
  });
});
