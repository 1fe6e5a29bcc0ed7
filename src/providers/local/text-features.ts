/**
 * Terms for the local TF-IDF classifier. Words are runs of letters, digits and combining marks
 * in any script (an apostrophe may join them: "don't"), or a single emoji, which carries
 * sentiment in short texts. Character n-grams are taken inside words only, padded with a space
 * at each end (scikit-learn's `char_wb`), so they catch stems, typos and inflections
 * ("refund" / "refunded") without learning from the spacing between words.
 */

const WORD = /\p{Extended_Pictographic}|[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

const MIN_CHAR_GRAM = 3;
const MAX_CHAR_GRAM = 5;

export interface TermCounts {
  /** Word unigrams and bigrams (a bigram holds a space, so it never clashes with a unigram). */
  words: Map<string, number>;
  /** Character 3–5-grams within words. */
  chars: Map<string, number>;
}

/** NFKC folds width and compatibility forms (ｆｕｌｌ → full); lower-casing is locale-free. */
export function wordsOf(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

const bump = (counts: Map<string, number>, term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);

export function termCounts(text: string): TermCounts {
  const words = new Map<string, number>();
  const chars = new Map<string, number>();
  const tokens = wordsOf(text);
  let previous: string | undefined;
  for (const word of tokens) {
    bump(words, word);
    if (previous !== undefined) bump(words, `${previous} ${word}`);
    previous = word;
    // Grams count code points, so one never splits a surrogate pair; plain slicing is only safe
    // (and much cheaper) when the word has none.
    const padded = ` ${word} `;
    const points = Array.from(padded);
    const simple = points.length === padded.length;
    for (let n = MIN_CHAR_GRAM; n <= Math.min(MAX_CHAR_GRAM, points.length); n++) {
      for (let i = 0; i + n <= points.length; i++)
        bump(chars, simple ? padded.slice(i, i + n) : points.slice(i, i + n).join(''));
    }
  }
  return { words, chars };
}
