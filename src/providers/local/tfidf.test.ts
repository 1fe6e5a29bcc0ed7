import { describe, expect, it } from 'vitest';
import { fitVectorizer, type SparseVector } from './tfidf.js';

const norm = (vector: SparseVector) => Math.sqrt(vector.values.reduce((sum, value) => sum + value * value, 0));
const dot = (a: SparseVector, b: SparseVector) => {
  const weights = new Map(a.indices.map((index, i) => [index, a.values[i] ?? 0]));
  return b.indices.reduce((sum, index, i) => sum + (weights.get(index) ?? 0) * (b.values[i] ?? 0), 0);
};

describe('fitVectorizer', () => {
  const vectorizer = fitVectorizer(['the cat sat', 'the dog ran', 'a cat and a dog']);

  it('makes unit vectors, and an empty one for text with no known terms', () => {
    expect(norm(vectorizer.vectorize('the cat'))).toBeCloseTo(1, 12);
    expect(vectorizer.vectorize('xyzzy')).toEqual({ indices: [], values: [] });
    expect(vectorizer.vectorize('')).toEqual({ indices: [], values: [] });
  });

  it('weighs rare words above common ones', () => {
    const sat = vectorizer.vectorize('sat');
    const the = vectorizer.vectorize('the');
    const both = vectorizer.vectorize('the sat');
    expect(dot(both, sat)).toBeGreaterThan(dot(both, the));
  });

  it('gives similar texts a higher cosine than unrelated ones', () => {
    const query = vectorizer.vectorize('cats sitting');
    expect(dot(query, vectorizer.vectorize('the cat sat'))).toBeGreaterThan(
      dot(query, vectorizer.vectorize('the dog ran')),
    );
  });
});
