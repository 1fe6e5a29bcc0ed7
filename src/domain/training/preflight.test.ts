import { describe, expect, it } from 'vitest';
import { autoEpochs, billableTokens, preflightProblems } from './preflight.js';

describe('autoEpochs', () => {
  it.each([
    [10, 10],
    [20, 5],
    [33, 3],
    [100, 3],
    [8_333, 3],
    [10_000, 2],
    [50_000, 1],
  ])('%i examples → %i epochs', (examples, epochs) => {
    expect(autoEpochs(examples)).toBe(epochs);
  });
});

describe('billableTokens', () => {
  it('caps each example at the limit and multiplies by epochs', () => {
    expect(billableTokens([100, 200, 70_000], 3, 65_536)).toBe(3 * (100 + 200 + 65_536));
  });
});

describe('preflightProblems', () => {
  it('blocks fewer than 10 examples and warns about missing labels and validation', () => {
    const problems = preflightProblems({
      trainCounts: { a: 5, b: 3 },
      validationCounts: {},
      labels: ['a', 'b', 'c'],
      overTokenLimit: 2,
      tokenLimit: 65_536,
    });
    expect(problems.map((p) => [p.code, p.blocking])).toEqual([
      ['too_few_examples', true],
      ['label_missing_from_train', false],
      ['no_validation', false],
      ['over_token_limit', false],
    ]);
  });

  it('passes a healthy split', () => {
    expect(
      preflightProblems({ trainCounts: { a: 50, b: 40 }, validationCounts: { a: 10, b: 9 }, labels: ['a', 'b'], overTokenLimit: 0, tokenLimit: 65_536 }),
    ).toEqual([]);
  });
});
