import { describe, expect, it } from 'vitest';
import { cl100kTokens, codeProbabilities, stripStop } from './legacy-logprobs.js';

const codes = { positive: ' 1', negative: ' 2', other: ' nil' };
const map = (entries: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(entries).map(([token, p]) => [token, Math.log(p)]));

describe('cl100kTokens', () => {
  it('splits numeric codes after their space but keeps ` nil` whole', () => {
    expect(cl100kTokens(' 1')).toEqual([' ', '1']);
    expect(cl100kTokens(' 01')).toEqual([' ', '01']);
    expect(cl100kTokens(' nil')).toEqual([' nil']);
  });
});

describe('stripStop', () => {
  it.each([
    [' 1', '1'],
    [' 1\n', '1'],
    [' 2 END', '2'],
    [' 2\n\n###\n\nmore', '2'],
    ['\n 1', '1'],
    [' nil END\n', 'nil'],
  ])('%j → %j', (text, answer) => {
    expect(stripStop(text)).toBe(answer);
  });
});

describe('codeProbabilities', () => {
  it('splits the shared leading space by the digit that follows it', () => {
    const result = codeProbabilities({
      text: ' 1',
      topLogprobs: [map({ ' ': 0.9, ' nil': 0.08, '\n': 0.01 }), map({ '1': 0.7, '2': 0.25, '3': 0.04 })],
      codes,
    });
    expect(result.label).toBe('positive');
    expect(result.probabilities.positive).toBeCloseTo(0.63, 10);
    expect(result.probabilities.negative).toBeCloseTo(0.225, 10);
    expect(result.probabilities.other).toBeCloseTo(0.08, 10);
    expect(result.confidence).toBeCloseTo(0.63, 10);
  });

  it('uses the sampled tokens when given them', () => {
    const result = codeProbabilities({
      text: ' 2',
      tokens: [' ', '2'],
      topLogprobs: [map({ ' ': 0.95, ' nil': 0.05 }), map({ '2': 0.6, '1': 0.4 })],
      codes,
    });
    expect(result.label).toBe('negative');
    expect(result.probabilities).toEqual({
      positive: expect.closeTo(0.38, 10),
      negative: expect.closeTo(0.57, 10),
      other: expect.closeTo(0.05, 10),
    });
  });

  it('splits the numeric codes evenly when the answer was ` nil` (the next position is about nil)', () => {
    const result = codeProbabilities({
      text: ' nil',
      topLogprobs: [map({ ' nil': 0.6, ' ': 0.4 }), map({ '\n': 0.9, '1': 0.1 })],
      codes,
    });
    expect(result.label).toBe('other');
    expect(result.probabilities).toEqual({
      positive: expect.closeTo(0.2, 10),
      negative: expect.closeTo(0.2, 10),
      other: expect.closeTo(0.6, 10),
    });
  });

  it('counts a code the model wrote without its space', () => {
    const result = codeProbabilities({
      text: '1',
      topLogprobs: [map({ '1': 0.5, ' ': 0.3, '2': 0.1 }), map({ ' END': 0.9 })],
      codes,
    });
    expect(result.label).toBe('positive');
    // ' ' collides for both numeric codes and nothing follows it on this path: even split.
    expect(result.probabilities.positive).toBeCloseTo(0.5 + 0.15, 10);
    expect(result.probabilities.negative).toBeCloseTo(0.1 + 0.15, 10);
    expect(result.probabilities.other).toBe(0);
  });

  it('strips a stop sequence before matching', () => {
    const result = codeProbabilities({ text: ' 2 END', topLogprobs: null, codes });
    expect(result).toEqual({
      label: 'negative',
      probabilities: { positive: 0, negative: 1, other: 0 },
      confidence: null,
    });
  });

  it('returns no label for an answer that is no code, but keeps the probabilities', () => {
    const result = codeProbabilities({
      text: ' 7',
      topLogprobs: [map({ ' ': 1 }), map({ '7': 0.5, '1': 0.3 })],
      codes,
    });
    expect(result.label).toBeNull();
    expect(result.confidence).toBeNull();
    expect(result.probabilities.positive).toBeCloseTo(0.3, 10);
    // '2' is not listed, so it is at most what '7' and '1' left.
    expect(result.probabilities.negative).toBeCloseTo(0.2, 10);
  });

  it('works with padded codes once a task has ten labels', () => {
    const many = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`label${i + 1}`, ` ${String(i + 1).padStart(2, '0')}`]),
    );
    const result = codeProbabilities({
      text: ' 10',
      topLogprobs: [map({ ' ': 1 }), map({ '10': 0.8, '01': 0.2 })],
      codes: many,
    });
    expect(result.label).toBe('label10');
    expect(result.probabilities.label10).toBeCloseTo(0.8, 10);
    expect(result.probabilities.label1).toBeCloseTo(0.2, 10);
    expect(result.probabilities.label5).toBe(0);
  });
});
