import { wordsOf } from '../text-features.js';

/**
 * TF-IDF features for the local trainer: word unigrams and bigrams plus character n-grams taken
 * inside space-padded words (scikit-learn's `char_wb`), with sublinear tf (1 + ln count), smoothed
 * idf (ln((1 + n) / (1 + df)) + 1) and each block l2-normalised and weighted so that the whole
 * vector has unit length, as a FeatureUnion of two TfidfVectorizers would (up to a constant).
 *
 * Words come from the few-shot classifier's tokeniser, so both local models see the same words.
 * Every distinct word's character grams are computed once and cached: word frequencies are
 * Zipfian, so this removes most of the string slicing that dominates vectorising in JavaScript.
 */

export interface FeatureConfig {
  minCharGram: number;
  maxCharGram: number;
  /** Weight of the word block; the character block gets sqrt(1 - w²), so vectors stay unit length. */
  wordWeight: number;
}

export interface FitOptions extends FeatureConfig {
  /** Terms in fewer training texts are dropped: they cannot generalise and they bloat the model. */
  minDf: number;
  maxWordFeatures: number;
  maxCharFeatures: number;
}

/** A fitted vocabulary: `idf` holds the word terms' weights, then the character grams'. */
export interface FeatureSet extends FeatureConfig {
  words: string[];
  chars: string[];
  idf: Float32Array;
}

/** Rows of sparse vectors in CSR form: row i is `indices/values[offsets[i] .. offsets[i + 1])`. */
export interface SparseRows {
  offsets: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = { minCharGram: 2, maxCharGram: 5, wordWeight: Math.SQRT1_2 };

const SURROGATE = /[\uD800-\uDFFF]/;

/** Character n-grams of ` word ` by code point, so a gram never splits a surrogate pair. */
export function charGrams(word: string, min: number, max: number): string[] {
  const padded = ` ${word} `;
  const grams: string[] = [];
  if (!SURROGATE.test(padded)) {
    for (let n = min; n <= Math.min(max, padded.length); n++) for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n));
    return grams;
  }
  const points = Array.from(padded);
  for (let n = min; n <= Math.min(max, points.length); n++) for (let i = 0; i + n <= points.length; i++) grams.push(points.slice(i, i + n).join(''));
  return grams;
}

/** Term ids with df ≥ minDf, most frequent first (ties by first appearance), at most `max`. */
function selectTerms(df: readonly number[], minDf: number, max: number): number[] {
  const kept: number[] = [];
  for (let id = 0; id < df.length; id++) if (df[id]! >= minDf) kept.push(id);
  kept.sort((a, b) => df[b]! - df[a]! || a - b);
  return kept.slice(0, max);
}

/** Growable document-frequency counter over interned terms; `stamp` counts a term once per text. */
class TermTable<K> {
  readonly ids = new Map<K, number>();
  readonly keys: K[] = [];
  readonly df: number[] = [];
  private readonly stamps: number[] = [];

  intern(key: K): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
      this.df.push(0);
      this.stamps.push(0);
    }
    return id;
  }

  /** Counts the term for text `stamp` (≥ 1); returns whether it was new in that text. */
  see(id: number, stamp: number): boolean {
    if (this.stamps[id] === stamp) return false;
    this.stamps[id] = stamp;
    this.df[id]! += 1;
    return true;
  }
}

// Bigram keys pack two word ids into one number; 2^26 words is far beyond any training set.
const PAIR = 2 ** 26;

export function fitFeatures(texts: readonly string[], options: FitOptions): FeatureSet {
  const unigrams = new TermTable<string>();
  const bigrams = new TermTable<number>();
  const grams = new TermTable<string>();
  const gramsOfWord: number[][] = [];
  texts.forEach((text, index) => {
    const stamp = index + 1;
    let previous = -1;
    for (const word of wordsOf(text)) {
      const id = unigrams.intern(word);
      if (id === gramsOfWord.length) gramsOfWord.push(charGrams(word, options.minCharGram, options.maxCharGram).map((gram) => grams.intern(gram)));
      if (unigrams.see(id, stamp)) for (const gram of gramsOfWord[id]!) grams.see(gram, stamp);
      if (previous >= 0) bigrams.see(bigrams.intern(previous * PAIR + id), stamp);
      previous = id;
    }
  });
  // Unigrams and bigrams share the word block's budget, ranked together by document frequency.
  const wordTerms = [
    ...unigrams.keys.map((key, id) => ({ key, df: unigrams.df[id]! })),
    ...bigrams.keys.map((key, id) => ({ key: `${unigrams.keys[Math.floor(key / PAIR)]} ${unigrams.keys[key % PAIR]}`, df: bigrams.df[id]! })),
  ];
  const words = selectTerms(
    wordTerms.map((term) => term.df),
    options.minDf,
    options.maxWordFeatures,
  ).map((id) => wordTerms[id]!);
  const chars = selectTerms(grams.df, options.minDf, options.maxCharFeatures);
  const n = texts.length;
  const idf = new Float32Array(words.length + chars.length);
  words.forEach((term, i) => (idf[i] = Math.log((1 + n) / (1 + term.df)) + 1));
  chars.forEach((id, i) => (idf[words.length + i] = Math.log((1 + n) / (1 + grams.df[id]!)) + 1));
  return {
    minCharGram: options.minCharGram,
    maxCharGram: options.maxCharGram,
    wordWeight: options.wordWeight,
    words: words.map((term) => term.key),
    chars: chars.map((id) => grams.keys[id]!),
    idf,
  };
}

export interface Vectorizer {
  /** Number of dimensions: word terms, then character grams. */
  readonly size: number;
  vectorize(text: string): SparseVector;
  transform(texts: readonly string[]): SparseRows;
}

// Enough for the distinct words of a large corpus; beyond it the cache restarts rather than grows.
const MAX_CACHED_WORDS = 200_000;

export function createVectorizer(features: FeatureSet): Vectorizer {
  const wordCount = features.words.length;
  const size = wordCount + features.chars.length;
  const wordIndex = new Map(features.words.map((term, i) => [term, i]));
  const charIndex = new Map(features.chars.map((gram, i) => [gram, wordCount + i]));
  const charWeight = Math.sqrt(Math.max(0, 1 - features.wordWeight ** 2));
  // Per distinct word: its unigram index (or -1), then the indices of its known character grams.
  const cache = new Map<string, Int32Array>();
  const termsOfWord = (word: string): Int32Array => {
    let terms = cache.get(word);
    if (terms) return terms;
    const found = [wordIndex.get(word) ?? -1];
    for (const gram of charGrams(word, features.minCharGram, features.maxCharGram)) {
      const at = charIndex.get(gram);
      if (at !== undefined) found.push(at);
    }
    terms = Int32Array.from(found);
    if (cache.size >= MAX_CACHED_WORDS) cache.clear();
    cache.set(word, terms);
    return terms;
  };

  const counts = new Float64Array(size);
  const vectorize = (text: string): SparseVector => {
    const touched: number[] = [];
    const add = (at: number) => {
      if (counts[at] === 0) touched.push(at);
      counts[at]! += 1;
    };
    let previous: string | undefined;
    for (const word of wordsOf(text)) {
      const terms = termsOfWord(word);
      if (terms[0]! >= 0) add(terms[0]!);
      for (let i = 1; i < terms.length; i++) add(terms[i]!);
      if (previous !== undefined) {
        const bigram = wordIndex.get(`${previous} ${word}`);
        if (bigram !== undefined) add(bigram);
      }
      previous = word;
    }
    const indices = Int32Array.from(touched).sort();
    const values = new Float32Array(indices.length);
    let wordNorm = 0;
    let charNorm = 0;
    const raw = new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const at = indices[i]!;
      const value = (1 + Math.log(counts[at]!)) * features.idf[at]!;
      counts[at] = 0;
      raw[i] = value;
      if (at < wordCount) wordNorm += value * value;
      else charNorm += value * value;
    }
    const wordScale = wordNorm > 0 ? features.wordWeight / Math.sqrt(wordNorm) : 0;
    const charScale = charNorm > 0 ? charWeight / Math.sqrt(charNorm) : 0;
    // A text with only one block present (all its words unknown, or no grams known) is scaled
    // back up to unit length, so its margins are comparable with everyone else's.
    const total = Math.sqrt((wordNorm > 0 ? features.wordWeight ** 2 : 0) + (charNorm > 0 ? charWeight ** 2 : 0));
    for (let i = 0; i < indices.length; i++) values[i] = (raw[i]! * (indices[i]! < wordCount ? wordScale : charScale)) / total;
    return { indices, values };
  };

  return {
    size,
    vectorize,
    transform(texts) {
      const vectors = texts.map(vectorize);
      const offsets = new Int32Array(texts.length + 1);
      vectors.forEach((vector, i) => (offsets[i + 1] = offsets[i]! + vector.indices.length));
      const indices = new Int32Array(offsets[texts.length]!);
      const values = new Float32Array(indices.length);
      vectors.forEach((vector, i) => {
        indices.set(vector.indices, offsets[i]);
        values.set(vector.values, offsets[i]);
      });
      return { offsets, indices, values };
    },
  };
}
