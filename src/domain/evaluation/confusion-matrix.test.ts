import { describe, expect, it } from 'vitest';
import { confusionMatrix } from './confusion-matrix.js';

describe('confusionMatrix', () => {
  it('matches the scikit-learn docstring example', () => {
    const yTrue = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
    const yPred = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
    expect(confusionMatrix(yTrue, yPred, ['ant', 'bird', 'cat'])).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  it('follows the stated label order for rows and columns', () => {
    const yTrue = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
    const yPred = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
    expect(confusionMatrix(yTrue, yPred, ['cat', 'bird', 'ant'])).toEqual([
      [2, 0, 1],
      [1, 0, 0],
      [0, 0, 2],
    ]);
  });

  it('leaves failed and unknown predictions out of every column, so rows can sum to less than support', () => {
    const yTrue = ['yes', 'yes', 'yes', 'no', 'no'];
    const yPred = ['yes', null, 'maybe', 'yes', 'no'];
    const matrix = confusionMatrix(yTrue, yPred, ['yes', 'no']);
    expect(matrix).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(matrix[0]!.reduce((a, b) => a + b, 0)).toBe(1); // support of "yes" is 3
  });

  it('drops rows whose true label is not listed, as scikit-learn does', () => {
    expect(confusionMatrix(['a', 'z', 'b'], ['a', 'a', 'b'], ['a', 'b'])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('is all zeros for no rows', () => {
    expect(confusionMatrix([], [], ['a', 'b'])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('rejects mismatched lengths, no labels and repeated labels', () => {
    expect(() => confusionMatrix(['a'], [], ['a'])).toThrow(RangeError);
    expect(() => confusionMatrix([], [], [])).toThrow(RangeError);
    expect(() => confusionMatrix([], [], ['a', 'a'])).toThrow(RangeError);
  });
});
