import { describe, expect, it } from 'vitest';
import { termCounts, wordsOf } from './text-features.js';

describe('wordsOf', () => {
  it('lower-cases, keeps apostrophes inside words and splits on everything else', () => {
    expect(wordsOf("Don't PANIC: it's_fine, 42!")).toEqual(["don't", 'panic', "it's", 'fine', '42']);
  });

  it('handles any script, combining marks, width forms and emoji', () => {
    expect(wordsOf('Ｃａｆé naïve Ünïcödé 東京タワー 👍🏽ok')).toEqual([
      'café',
      'naïve',
      'ünïcödé',
      '東京タワー',
      '👍',
      'ok',
    ]);
  });
});

describe('termCounts', () => {
  it('counts unigrams, bigrams and padded character 3–5-grams within words', () => {
    const { words, chars } = termCounts('ab ab cd');
    expect(Object.fromEntries(words)).toEqual({ ab: 2, cd: 1, 'ab ab': 1, 'ab cd': 1 });
    // " ab " → 3-grams " ab", "ab "; 4-gram " ab "; twice for the repeated word.
    expect(chars.get(' ab')).toBe(2);
    expect(chars.get(' ab ')).toBe(2);
    expect(chars.get('b c')).toBeUndefined();
  });

  it('never splits a surrogate pair', () => {
    const { chars } = termCounts('𠜎𠜱𠝹');
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const gram of chars.keys()) expect(loneSurrogate.test(gram)).toBe(false);
    expect(chars.get(' 𠜎𠜱')).toBe(1);
    expect(chars.get('𠜎𠜱𠝹 ')).toBe(1);
  });

  it('gives nothing for text without words', () => {
    const { words, chars } = termCounts(' ... ');
    expect(words.size + chars.size).toBe(0);
  });
});
