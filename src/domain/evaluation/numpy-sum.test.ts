import { describe, expect, it } from 'vitest';
import { numpyMean, numpySum } from './numpy-sum.js';

describe('numpySum', () => {
  it('adds short arrays left to right', () => {
    expect(numpySum([])).toBe(0);
    expect(numpySum([0.1, 0.2, 0.3])).toBe(0.1 + 0.2 + 0.3);
  });

  it('uses numpy’s eight-way pairwise order for longer arrays', () => {
    const values = Array.from({ length: 10 }, (_, i) => 0.1 * (i + 1));
    // np.sum(values) is 5.5; a plain left-to-right loop gives 5.500000000000001.
    expect(numpySum(values)).toBe(5.5);
    expect(values.reduce((a, b) => a + b, 0)).toBe(5.500000000000001);
  });

  it('means like np.mean', () => {
    expect(numpyMean([12, 3, 7, 45, 100, 8, 9, 23, 5, 61])).toBe(27.3);
    expect(numpyMean([])).toBeNaN();
  });
});
