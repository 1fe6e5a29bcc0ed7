import { describe, expect, it } from 'vitest';
import { mcnemar } from './mcnemar.js';

/** Paired outcomes with the given counts of both right, only A, only B and neither. */
function paired(both: number, onlyA: number, onlyB: number, neither: number) {
  const a: boolean[] = [];
  const b: boolean[] = [];
  const push = (count: number, aRight: boolean, bRight: boolean) => {
    for (let i = 0; i < count; i++) {
      a.push(aRight);
      b.push(bRight);
    }
  };
  push(both, true, true);
  push(onlyA, true, false);
  push(onlyB, false, true);
  push(neither, false, false);
  return { a, b };
}

describe('mcnemar', () => {
  it('counts discordant pairs and gives the exact two-sided p-value', () => {
    const { a, b } = paired(50, 1, 4, 10);
    // 2 · P(X ≤ 1), X ~ Bin(5, ½) = 2 · (1 + 5) / 32
    expect(mcnemar(a, b)).toEqual({ onlyA: 1, onlyB: 4, pValue: 0.375 });
  });

  it('is symmetric in the two models', () => {
    const { a, b } = paired(3, 10, 3, 2);
    expect(mcnemar(b, a)).toEqual({ onlyA: 3, onlyB: 10, pValue: mcnemar(a, b).pValue });
    // 2 · Σ_{i ≤ 3} C(13, i) / 2^13 = 2 · 378 / 8192
    expect(mcnemar(a, b).pValue).toBe((2 * 378) / 8192);
  });

  it('caps the p-value at 1 when the discordant pairs are balanced', () => {
    const { a, b } = paired(0, 3, 3, 0);
    expect(mcnemar(a, b).pValue).toBe(1);
  });

  it('is 1 when the models never disagree, as statsmodels gives', () => {
    const { a, b } = paired(7, 0, 0, 3);
    expect(mcnemar(a, b)).toEqual({ onlyA: 0, onlyB: 0, pValue: 1 });
    expect(mcnemar([], [])).toEqual({ onlyA: 0, onlyB: 0, pValue: 1 });
  });

  it('stays accurate with 100,000 discordant rows', () => {
    const { a, b } = paired(0, 49000, 51000, 0);
    const result = mcnemar(a, b);
    expect(result.onlyA).toBe(49000);
    // 2 · P(X ≤ 49000), X ~ Bin(100000, ½), from the exact integer sum.
    expect(
      // biome-ignore lint/correctness/noPrecisionLoss: the exact sum as computed, rounded to the nearest double on purpose
      Math.abs(result.pValue - 2.58871603834689788411654385248e-10) / 2.58871603834689788411654385248e-10,
    ).toBeLessThan(1e-12);
  });

  it('matches scipy for a moderate table', () => {
    const { a, b } = paired(100, 10, 20, 5);
    // scipy.stats.binom.cdf(10, 30, 0.5) * 2
    expect(mcnemar(a, b).pValue).toBeCloseTo(0.09873714670538905, 15);
  });

  it('rejects outcome lists of different lengths', () => {
    expect(() => mcnemar([true], [])).toThrow(RangeError);
  });
});
