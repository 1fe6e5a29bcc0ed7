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
  const healthy = {
    trainCounts: { a: 50, b: 40 },
    validationCounts: { a: 10, b: 9 },
    testCounts: { a: 10, b: 9 },
    labels: ['a', 'b'],
    overTokenLimit: 0,
    tokenLimit: 65_536,
  };

  it('blocks fewer than 10 examples and warns about missing labels and validation', () => {
    const problems = preflightProblems({
      trainCounts: { a: 5, b: 3 },
      validationCounts: {},
      testCounts: { a: 2 },
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
    expect(preflightProblems({ ...healthy })).toEqual([]);
  });

  it('warns that without labeled test rows (of the task’s labels) the model is not evaluated automatically', () => {
    for (const testCounts of [{}, { retired: 4 }] as Record<string, number>[]) {
      expect(preflightProblems({ ...healthy, testCounts })).toEqual([
        {
          code: 'no_test_split',
          message: expect.stringContaining('will not be evaluated automatically'),
          blocking: false,
        },
      ]);
    }
    expect(preflightProblems({ ...healthy, testCounts: { b: 1 } })).toEqual([]);
  });

  it('warns, without blocking, that a model missing from the price table cannot be costed', () => {
    expect(
      preflightProblems({ ...healthy, unpricedModel: { model: 'o4-mini-2025-04-16', priceTableDate: '2026-11-22' } }),
    ).toEqual([
      {
        code: 'unpriced_model',
        message:
          'o4-mini-2025-04-16 has no training price in the price table (2026-11-22): the cost cannot be estimated (PRICE_OVERRIDES can add it)',
        blocking: false,
      },
    ]);
  });
});
