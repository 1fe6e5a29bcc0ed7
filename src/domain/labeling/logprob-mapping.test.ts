import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { labelProbabilities, matchLabel, type TokenAlternative, type TokenPosition } from './logprob-mapping.js';

// What the caller passes: the model's own token strings, one per id.
const tokenize = (text: string): string[] => encode(text).map((id) => decode([id]));

const alt = (token: string, p: number): TokenAlternative => ({ token, logprob: Math.log(p) });
const position = (token: string, p: number, top: TokenAlternative[]): TokenPosition => ({
  token,
  logprob: Math.log(p),
  top_logprobs: top,
});

describe('matchLabel', () => {
  const labels = ['positive', 'negative', 'Sci/Tech'];

  it.each([
    ['positive', 'positive'],
    ['  Positive\n', 'positive'],
    ['NEGATIVE', 'negative'],
    ['Positive.', 'positive'],
    ['"negative"!', 'negative'],
    ['**sci/tech**', 'Sci/Tech'],
    ['Sci/Tech.', 'Sci/Tech'],
  ])('%j → %s', (answer, label) => {
    expect(matchLabel(answer, labels)).toBe(label);
  });

  it.each(['', 'I think positive', 'pos', '...', 'positive negative'])('%j matches nothing', (answer) => {
    expect(matchLabel(answer, labels)).toBeNull();
  });

  it('prefers the exact label over a case-insensitive one', () => {
    expect(matchLabel('Spam', ['spam', 'Spam'])).toBe('Spam');
    expect(matchLabel('SPAM', ['spam', 'Spam'])).toBe('spam');
  });
});

describe('labelProbabilities with distinct first tokens', () => {
  const labels = ['positive', 'negative', 'neutral'];

  it('reads each label off the first position, summing case variants', () => {
    const result = labelProbabilities({
      content: 'positive',
      positions: [
        position('positive', 0.8, [
          alt('positive', 0.8),
          alt('negative', 0.15),
          alt('neutral', 0.03),
          alt('Positive', 0.01),
        ]),
      ],
      labels,
      tokenize,
    });
    expect(result.label).toBe('positive');
    expect(result.probabilities.positive).toBeCloseTo(0.81, 10);
    expect(result.probabilities.negative).toBeCloseTo(0.15, 10);
    expect(result.probabilities.neutral).toBeCloseTo(0.03, 10);
    expect(result.confidence).toBeCloseTo(0.81, 10);
  });

  it('counts tokens with and without a leading space as the same label', () => {
    expect(tokenize(' positive')).toEqual([' positive']);
    const result = labelProbabilities({
      content: ' positive',
      positions: [position(' positive', 0.5, [alt(' positive', 0.5), alt('positive', 0.3), alt(' Negative', 0.1)])],
      labels,
      tokenize,
    });
    expect(result.label).toBe('positive');
    expect(result.probabilities.positive).toBeCloseTo(0.8, 10);
    expect(result.probabilities.negative).toBeCloseTo(0.1, 10);
  });

  it('gives 0 to labels missing from the alternatives and does not renormalise', () => {
    const result = labelProbabilities({
      content: 'negative',
      positions: [position('negative', 0.6, [alt('negative', 0.6), alt('Neg', 0.3), alt('I', 0.1)])],
      labels,
      tokenize,
    });
    expect(result.probabilities).toEqual({ positive: 0, negative: expect.closeTo(0.6, 10), neutral: 0 });
  });

  it('includes the sampled token when top_logprobs omit it, without counting it twice', () => {
    const omitted = labelProbabilities({
      content: 'neutral',
      positions: [position('neutral', 0.4, [])],
      labels,
      tokenize,
    });
    expect(omitted.probabilities.neutral).toBeCloseTo(0.4, 10);
    const listed = labelProbabilities({
      content: 'neutral',
      positions: [position('neutral', 0.4, [alt('neutral', 0.4)])],
      labels,
      tokenize,
    });
    expect(listed.probabilities.neutral).toBeCloseTo(0.4, 10);
  });

  it('clamps to [0, 1] and treats -9999 ("not in top 20") as 0', () => {
    const result = labelProbabilities({
      content: 'positive',
      positions: [
        position('positive', 1, [alt('positive', 1), alt('Positive', 0.5), { token: 'negative', logprob: -9999 }]),
      ],
      labels,
      tokenize,
    });
    expect(result.probabilities).toEqual({ positive: 1, negative: 0, neutral: 0 });
  });

  it('still computes probabilities when the answer is not a label', () => {
    const result = labelProbabilities({
      content: 'I think positive',
      positions: [
        position('I', 0.5, [alt('I', 0.5), alt('positive', 0.3), alt('negative', 0.2)]),
        position(' think', 0.9, []),
      ],
      labels,
      tokenize,
    });
    expect(result.label).toBeNull();
    expect(result.confidence).toBeNull();
    expect(result.probabilities.positive).toBeCloseTo(0.3, 10);
    expect(result.probabilities.negative).toBeCloseTo(0.2, 10);
  });
});

describe('labelProbabilities with colliding first tokens (real o200k tokens)', () => {
  it('splits a shared first token by the next position when the answer followed that path', () => {
    const labels = ['Spam', 'Not spam', 'Not sure'];
    // The collision is real: both labels start with the o200k token `Not`.
    expect(tokenize('Not spam')).toEqual(['Not', ' spam']);
    expect(tokenize('Not sure')).toEqual(['Not', ' sure']);
    expect(tokenize('Spam')).toEqual(['Spam']);
    const result = labelProbabilities({
      content: 'Not spam',
      positions: [
        position('Not', 0.9, [alt('Not', 0.9), alt('Spam', 0.06), alt('The', 0.02)]),
        position(' spam', 0.8, [alt(' spam', 0.8), alt(' sure', 0.15), alt(' Spam', 0.02)]),
      ],
      labels,
      tokenize,
    });
    expect(result.label).toBe('Not spam');
    expect(result.probabilities['Not spam']).toBeCloseTo(0.9 * 0.82, 10);
    expect(result.probabilities['Not sure']).toBeCloseTo(0.9 * 0.15, 10);
    expect(result.probabilities.Spam).toBeCloseTo(0.06, 10);
    expect(result.confidence).toBeCloseTo(0.738, 10);
  });

  it('gives labels whose next token is absent what the shown ones left, evenly', () => {
    const result = labelProbabilities({
      content: 'Not spam',
      positions: [
        position('Not', 0.9, [alt('Not', 0.9)]),
        position(' spam', 0.7, [alt(' spam', 0.7), alt(' really', 0.1)]),
      ],
      labels: ['Not spam', 'Not sure', 'Not relevant'],
      tokenize,
    });
    expect(result.probabilities['Not spam']).toBeCloseTo(0.63, 10);
    // ` really` continues no label, but its mass is still taken: the two labels the alternatives
    // did not show share 1 − 0.7 − 0.1.
    expect(result.probabilities['Not sure']).toBeCloseTo(0.9 * 0.1, 10);
    expect(result.probabilities['Not relevant']).toBeCloseTo(0.9 * 0.1, 10);
  });

  it('splits evenly when the answer left the colliding path (later logprobs are about another answer)', () => {
    const result = labelProbabilities({
      content: 'Spam',
      positions: [position('Spam', 0.7, [alt('Spam', 0.7), alt('Not', 0.2)]), position('!', 0.5, [alt(' sure', 0.5)])],
      labels: ['Spam', 'Not spam', 'Not sure'],
      tokenize,
    });
    expect(result.probabilities).toEqual({
      Spam: expect.closeTo(0.7, 10),
      'Not spam': expect.closeTo(0.1, 10),
      'Not sure': expect.closeTo(0.1, 10),
    });
  });

  it('splits evenly when there is no next position', () => {
    const result = labelProbabilities({
      content: 'Not',
      positions: [position('Not', 0.9, [alt('Not', 0.9)])],
      labels: ['Not spam', 'Not sure'],
      tokenize,
    });
    expect(result.label).toBeNull();
    expect(result.probabilities).toEqual({
      'Not spam': expect.closeTo(0.45, 10),
      'Not sure': expect.closeTo(0.45, 10),
    });
  });

  it('gives a label that is a prefix of another the mass not taken by the longer one', () => {
    const result = labelProbabilities({
      content: 'Not spam',
      positions: [position('Not', 0.9, [alt('Not', 0.9)]), position(' spam', 0.6, [alt(' spam', 0.6), alt('.', 0.1)])],
      labels: ['Not', 'Not spam'],
      tokenize,
    });
    expect(result.probabilities['Not spam']).toBeCloseTo(0.54, 10);
    // The end of the answer is never listed; `Not` can have at most what ` spam` and `.` left.
    expect(result.probabilities.Not).toBeCloseTo(0.9 * 0.3, 10);
  });

  it('uses both tokenizations: `compl`+`aint` collides, ` complaint` does not', () => {
    expect(tokenize('complaint')).toEqual(['compl', 'aint']);
    expect(tokenize('compliment')).toEqual(['compl', 'iment']);
    expect(tokenize(' complaint')).toEqual([' complaint']);
    const result = labelProbabilities({
      content: 'complaint',
      positions: [
        position('compl', 0.7, [alt('compl', 0.7), alt(' complaint', 0.1), alt('question', 0.1)]),
        position('aint', 0.9, [alt('aint', 0.9), alt('iment', 0.08)]),
      ],
      labels: ['complaint', 'compliment', 'question'],
      tokenize,
    });
    expect(result.probabilities.complaint).toBeCloseTo(0.7 * 0.9 + 0.1, 10);
    expect(result.probabilities.compliment).toBeCloseTo(0.7 * 0.08, 10);
    expect(result.probabilities.question).toBeCloseTo(0.1, 10);
  });

  it('keeps splitting while labels still collide deeper down', () => {
    const words = (text: string) => text.split(/(?= )/);
    const result = labelProbabilities({
      content: 'a b c',
      positions: [
        position('a', 0.8, [alt('a', 0.8)]),
        position(' b', 0.5, [alt(' b', 0.5), alt(' e', 0.25)]),
        position(' c', 0.6, [alt(' c', 0.6), alt(' d', 0.3)]),
      ],
      labels: ['a b c', 'a b d', 'a e'],
      tokenize: words,
    });
    expect(result.probabilities['a b c']).toBeCloseTo(0.8 * 0.5 * 0.6, 10);
    expect(result.probabilities['a b d']).toBeCloseTo(0.8 * 0.5 * 0.3, 10);
    expect(result.probabilities['a e']).toBeCloseTo(0.8 * 0.25, 10);
  });
});

describe('labelProbabilities without logprobs', () => {
  it('gives the matched label 1 and no confidence', () => {
    const result = labelProbabilities({
      content: 'Negative',
      positions: null,
      labels: ['positive', 'negative'],
      tokenize,
    });
    expect(result).toEqual({ label: 'negative', probabilities: { positive: 0, negative: 1 }, confidence: null });
  });

  it('gives every label 0 when the answer matched none', () => {
    const result = labelProbabilities({ content: 'maybe', positions: [], labels: ['positive', 'negative'], tokenize });
    expect(result).toEqual({ label: null, probabilities: { positive: 0, negative: 0 }, confidence: null });
  });
});
