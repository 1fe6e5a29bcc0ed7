import { termCounts, type TermCounts } from './text-features.js';

/**
 * TF-IDF with scikit-learn's defaults where it has them: smooth idf, ln((1 + n) / (1 + df)) + 1;
 * sublinear tf, 1 + ln(count); l2-normalised rows. Word and character terms are weighted and
 * normalised as separate blocks and then joined with equal weight (as a FeatureUnion would),
 * because a text has about ten times more character grams than words and they would otherwise
 * drown the word evidence.
 */

export interface SparseVector {
  indices: number[];
  values: number[];
}

interface Block {
  index: Map<string, number>;
  idf: number[];
}

export interface Vectorizer {
  /** Number of dimensions (both blocks). */
  size: number;
  vectorize(text: string): SparseVector;
}

function fitBlock(documents: readonly Map<string, number>[], offset: number): Block {
  const documentFrequency = new Map<string, number>();
  for (const counts of documents)
    for (const term of counts.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const index = new Map<string, number>();
  const idf: number[] = [];
  const n = documents.length;
  for (const [term, df] of documentFrequency) {
    index.set(term, offset + idf.length);
    idf.push(Math.log((1 + n) / (1 + df)) + 1);
  }
  return { index, idf };
}

/** One block's weights, l2-normalised and scaled by `weight`; terms outside the vocabulary drop out. */
function weighBlock(
  counts: Map<string, number>,
  block: Block,
  offset: number,
  weight: number,
  into: SparseVector,
): void {
  const start = into.indices.length;
  let norm = 0;
  for (const [term, count] of counts) {
    const at = block.index.get(term);
    if (at === undefined) continue;
    const value = (1 + Math.log(count)) * (block.idf[at - offset] ?? 0);
    into.indices.push(at);
    into.values.push(value);
    norm += value * value;
  }
  if (norm === 0) return;
  const scale = weight / Math.sqrt(norm);
  for (let i = start; i < into.values.length; i++) into.values[i] = (into.values[i] ?? 0) * scale;
}

export function normalize(vector: SparseVector): SparseVector {
  let norm = 0;
  for (const value of vector.values) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  return { indices: vector.indices, values: vector.values.map((value) => value * scale) };
}

export function fitVectorizer(texts: readonly string[]): Vectorizer {
  const documents: TermCounts[] = texts.map(termCounts);
  const words = fitBlock(
    documents.map((counts) => counts.words),
    0,
  );
  const chars = fitBlock(
    documents.map((counts) => counts.chars),
    words.idf.length,
  );
  const half = Math.SQRT1_2;
  return {
    size: words.idf.length + chars.idf.length,
    vectorize(text: string): SparseVector {
      const counts = termCounts(text);
      const vector: SparseVector = { indices: [], values: [] };
      weighBlock(counts.words, words, 0, half, vector);
      weighBlock(counts.chars, chars, words.idf.length, half, vector);
      // A text whose words are all unknown still has one block; renormalising keeps it a unit
      // vector, so similarities stay cosines.
      return normalize(vector);
    },
  };
}
