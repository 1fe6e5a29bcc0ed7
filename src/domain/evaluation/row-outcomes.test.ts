import { describe, expect, it } from 'vitest';
import { rowOutcomes } from './row-outcomes.js';

describe('rowOutcomes', () => {
  it('marks rows right only when the call succeeded with the true label, and counts the two kinds of failure apart', () => {
    const outcomes = rowOutcomes([
      { trueLabel: 'a', predicted: 'a', errorCode: null },
      { trueLabel: 'a', predicted: 'b', errorCode: null },
      { trueLabel: 'b', predicted: null, errorCode: 'unparseable' },
      { trueLabel: 'b', predicted: null, errorCode: 'server_error' },
      // A failed call's answer, if one was stored, is not trusted.
      { trueLabel: 'a', predicted: 'a', errorCode: 'timeout' },
    ]);
    expect(outcomes).toEqual({ correct: [true, false, false, false, false], failedCalls: 2, unparseableAnswers: 1 });
  });

  it('counts nothing for no rows', () => {
    expect(rowOutcomes([])).toEqual({ correct: [], failedCalls: 0, unparseableAnswers: 0 });
  });
});
