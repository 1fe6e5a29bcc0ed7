import { wordsOf } from '../text-features.js';
import { GramTable } from './gram-table.js';
import { PairTable } from './pair-table.js';
import { IntList, toRows, type SparseRows, type SparseVector } from './sparse-rows.js';
import { TfIdfBuilder } from './tfidf-builder.js';

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
  /** Character grams in more than this share of the texts are dropped (scikit-learn's max_df, for the char block only). */
  maxCharDf?: number;
  maxWordFeatures: number;
  maxCharFeatures: number;
}

/** A fitted vocabulary: `idf` holds the word terms' weights, then the character grams'. */
export interface FeatureSet extends FeatureConfig {
  words: string[];
  chars: string[];
  idf: Float32Array;
}

/** Term ids with df ≥ minDf, most frequent first (ties by first appearance), at most `max`. */
function selectTerms(df: ArrayLike<number>, minDf: number, max: number): number[] {
  const kept: number[] = [];
  for (let id = 0; id < df.length; id++) if (df[id]! >= minDf) kept.push(id);
  kept.sort((a, b) => df[b]! - df[a]! || a - b);
  return kept.slice(0, max);
}

/**
 * Fits the vocabulary on `texts` and returns their vectors too. Texts are tokenised once and
 * kept as word ids, so vectorising them needs no second pass over strings; the result equals
 * `createVectorizer(features).transform(texts)`.
 */
export function fitTransform(
  texts: readonly string[],
  options: FitOptions,
): { features: FeatureSet; rows: SparseRows } {
  // Pass 1 interns words, their character grams (once per distinct word) and bigrams, and keeps
  // each text as a sequence of word ids and one of bigram ids.
  const wordIds = new Map<string, number>();
  const wordKeys: string[] = [];
  const gramTable = new GramTable(1 << 16);
  const gramsOfWord = new IntList();
  const gramsStart = new IntList();
  const pairIds = new PairTable(1 << 16);
  const pairWords = new IntList();
  const wordSequences: Int32Array[] = [];
  const pairSequences: Int32Array[] = [];
  for (const text of texts) {
    const words = wordsOf(text);
    const sequence = new Int32Array(words.length);
    const pairs = new Int32Array(Math.max(0, words.length - 1));
    for (let position = 0; position < words.length; position++) {
      const word = words[position]!;
      let id = wordIds.get(word);
      if (id === undefined) {
        id = wordKeys.length;
        wordIds.set(word, id);
        wordKeys.push(word);
        gramsStart.push(gramsOfWord.length);
        for (const gram of gramTable.gramsOf(` ${word} `, options.minCharGram, options.maxCharGram, true, []))
          gramsOfWord.push(gram);
      }
      sequence[position] = id;
      if (position > 0) {
        const previous = sequence[position - 1]!;
        const pair = pairIds.intern(previous, id, pairWords.length / 2);
        if (pair * 2 === pairWords.length) {
          pairWords.push(previous);
          pairWords.push(id);
        }
        pairs[position - 1] = pair;
      }
    }
    wordSequences.push(sequence);
    pairSequences.push(pairs);
  }
  gramsStart.push(gramsOfWord.length);

  // Pass 2 counts document frequencies; a stamp per term counts it once per text.
  const unigramCount = wordKeys.length;
  const pairCount = pairWords.length / 2;
  const grams = gramsOfWord.data;
  const starts = gramsStart.data;
  const wordTermDf = new Int32Array(unigramCount + pairCount);
  const wordStamp = new Int32Array(unigramCount + pairCount);
  const gramKeys = gramTable.grams;
  const gramDf = new Int32Array(gramKeys.length);
  const gramStamp = new Int32Array(gramKeys.length);
  for (let index = 0; index < texts.length; index++) {
    const stamp = index + 1;
    for (const id of wordSequences[index]!) {
      if (wordStamp[id] === stamp) continue;
      wordStamp[id] = stamp;
      wordTermDf[id]! += 1;
      for (let g = starts[id]!; g < starts[id + 1]!; g++) {
        const gram = grams[g]!;
        if (gramStamp[gram] !== stamp) {
          gramStamp[gram] = stamp;
          gramDf[gram]! += 1;
        }
      }
    }
    for (const pair of pairSequences[index]!) {
      if (wordStamp[unigramCount + pair] === stamp) continue;
      wordStamp[unigramCount + pair] = stamp;
      wordTermDf[unigramCount + pair]! += 1;
    }
  }
  if (options.maxCharDf !== undefined) {
    const cap = options.maxCharDf * texts.length;
    for (let gram = 0; gram < gramDf.length; gram++) if (gramDf[gram]! > cap) gramDf[gram] = 0;
  }

  // Unigrams and bigrams share the word block's budget, ranked together by document frequency.
  // A bigram is never in more texts than either of its words and unigrams win ties, so every
  // kept bigram's words are kept too: prediction can look bigrams up by the two words' indices.
  const keptWords = selectTerms(wordTermDf, options.minDf, options.maxWordFeatures);
  const keptGrams = selectTerms(gramDf, options.minDf, options.maxCharFeatures);
  const wordCount = keptWords.length;
  const unigramIndex = new Int32Array(unigramCount).fill(-1);
  const pairIndex = new Int32Array(pairCount).fill(-1);
  const gramIndex = new Int32Array(gramKeys.length).fill(-1);
  const n = texts.length;
  const idf = new Float32Array(wordCount + keptGrams.length);
  const words = keptWords.map((term, i) => {
    idf[i] = Math.log((1 + n) / (1 + wordTermDf[term]!)) + 1;
    if (term < unigramCount) {
      unigramIndex[term] = i;
      return wordKeys[term]!;
    }
    pairIndex[term - unigramCount] = i;
    return `${wordKeys[pairWords.data[(term - unigramCount) * 2]!]} ${wordKeys[pairWords.data[(term - unigramCount) * 2 + 1]!]}`;
  });
  const chars = keptGrams.map((gram, i) => {
    idf[wordCount + i] = Math.log((1 + n) / (1 + gramDf[gram]!)) + 1;
    gramIndex[gram] = wordCount + i;
    return gramKeys[gram]!;
  });
  const features: FeatureSet = {
    minCharGram: options.minCharGram,
    maxCharGram: options.maxCharGram,
    wordWeight: options.wordWeight,
    words,
    chars,
    idf,
  };

  // Same terms in the same order as Vectorizer.vectorize: word, its grams, then the bigram.
  const builder = new TfIdfBuilder(idf, wordCount, options.wordWeight);
  const termsOfWord = Array.from({ length: unigramCount }, (_, id) => {
    const terms = [unigramIndex[id]!];
    for (let g = starts[id]!; g < starts[id + 1]!; g++)
      if (gramIndex[grams[g]!]! >= 0) terms.push(gramIndex[grams[g]!]!);
    return Int32Array.from(terms);
  });
  const vectors = wordSequences.map((sequence, index) => {
    const pairs = pairSequences[index]!;
    for (let position = 0; position < sequence.length; position++) {
      const terms = termsOfWord[sequence[position]!]!;
      if (terms[0]! >= 0) builder.add(terms[0]!);
      for (let i = 1; i < terms.length; i++) builder.add(terms[i]!);
      if (position > 0 && pairIndex[pairs[position - 1]!]! >= 0) builder.add(pairIndex[pairs[position - 1]!]!);
    }
    return builder.finish();
  });
  return { features, rows: toRows(vectors) };
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
  const wordIndex = new Map<string, number>();
  const bigrams: [string, number][] = [];
  features.words.forEach((term, i) => {
    if (term.includes(' ')) bigrams.push([term, i]);
    else wordIndex.set(term, i);
  });
  const pairIndex = new PairTable(bigrams.length);
  for (const [term, i] of bigrams) {
    const [first = '', second = ''] = term.split(' ');
    const a = wordIndex.get(first);
    const b = wordIndex.get(second);
    if (a !== undefined && b !== undefined) pairIndex.intern(a, b, i);
  }
  // Interned in vocabulary order, so a gram's id is its position among the character terms.
  const charIndex = new GramTable(features.chars.length);
  for (const gram of features.chars) charIndex.intern(gram, 0, gram.length);
  // Per distinct word: its unigram index (or -1), then the indices of its known character grams.
  const cache = new Map<string, Int32Array>();
  const termsOfWord = (word: string): Int32Array => {
    let terms = cache.get(word);
    if (terms) return terms;
    const found = charIndex.gramsOf(` ${word} `, features.minCharGram, features.maxCharGram, false, [
      wordIndex.get(word) ?? -1,
    ]);
    for (let i = 1; i < found.length; i++) found[i]! += wordCount;
    terms = Int32Array.from(found);
    if (cache.size >= MAX_CACHED_WORDS) cache.clear();
    cache.set(word, terms);
    return terms;
  };

  const builder = new TfIdfBuilder(features.idf, wordCount, features.wordWeight);
  const vectorize = (text: string): SparseVector => {
    let previous = -1;
    for (const word of wordsOf(text)) {
      const terms = termsOfWord(word);
      const unigram = terms[0]!;
      if (unigram >= 0) builder.add(unigram);
      for (let i = 1; i < terms.length; i++) builder.add(terms[i]!);
      if (previous >= 0 && unigram >= 0) {
        const bigram = pairIndex.get(previous, unigram);
        if (bigram >= 0) builder.add(bigram);
      }
      previous = unigram;
    }
    return builder.finish();
  };

  return {
    size: wordCount + features.chars.length,
    vectorize,
    transform: (texts) => toRows(texts.map(vectorize)),
  };
}
