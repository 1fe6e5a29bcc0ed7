import { describe, expect, it } from 'vitest';
import { binomialHalfCdf, logBinomialHalfPmf } from './binomial.js';

/** Relative difference, for comparing tails that span hundreds of orders of magnitude. */
const relative = (actual: number, expected: number) => Math.abs(actual - expected) / expected;

describe('binomialHalfCdf', () => {
  it('is exact for small n', () => {
    expect(binomialHalfCdf(1, 5)).toBe(6 / 32);
    expect(binomialHalfCdf(3, 10)).toBe(176 / 1024);
    expect(binomialHalfCdf(0, 1)).toBe(0.5);
    expect(binomialHalfCdf(25, 50)).toBe(0.5561375863296085); // Σ_{i ≤ 25} C(50, i) / 2^50
  });

  it('handles the ends of the support', () => {
    expect(binomialHalfCdf(-1, 10)).toBe(0);
    expect(binomialHalfCdf(10, 10)).toBe(1);
    expect(binomialHalfCdf(0, 0)).toBe(1);
    expect(binomialHalfCdf(0, 2000)).toBe(0); // 2^-2000 underflows, as in scipy
  });

  // Expected values: exact big-integer sums Σ C(n, i) / 2^n, to 30 significant digits.
  // biome-ignore-start lint/correctness/noPrecisionLoss: the exact sums as computed, rounded to the nearest double on purpose
  it.each([
    [40, 100, 0.0284439668204903958351821515635],
    [490, 1000, 0.27398637296173851896466852328],
    [4900, 10000, 0.0232927638524736943899486253717],
    [49500, 100000, 0.000791179939425797822208977865126],
    [49000, 100000, 1.29435801917344894205827192624e-10],
    [48000, 100000, 5.76546933336148823648471495104e-37],
    [45000, 100000, 4.30017082285734809543412032121e-220],
    [50000, 100000, 0.501261563107098369942768973657],
    [49999, 100000, 0.498738436892901630057231026343],
    // biome-ignore-end lint/correctness/noPrecisionLoss: the table ends here
  ])('P(X ≤ %i) for n = %i is %s', (k, n, expected) => {
    expect(relative(binomialHalfCdf(k, n), expected)).toBeLessThan(1e-12);
  });

  it('rejects non-integers', () => {
    expect(() => binomialHalfCdf(1.5, 10)).toThrow(RangeError);
    expect(() => binomialHalfCdf(1, -1)).toThrow(RangeError);
  });
});

describe('logBinomialHalfPmf', () => {
  it('matches exact probabilities', () => {
    expect(logBinomialHalfPmf(2, 4)).toBeCloseTo(Math.log(6 / 16), 14);
    expect(logBinomialHalfPmf(0, 3)).toBeCloseTo(Math.log(1 / 8), 14);
    expect(logBinomialHalfPmf(17, 40)).toBeCloseTo(Math.log(88732378800 / 2 ** 40), 13);
    expect(logBinomialHalfPmf(5, 4)).toBe(Number.NEGATIVE_INFINITY);
  });
});
