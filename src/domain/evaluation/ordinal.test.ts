import { describe, expect, it } from 'vitest';
import { goodVsBadAccuracy, oneOffAccuracy } from './ordinal.js';

const order = { awful: 1, poor: 2, fine: 3, good: 4, great: 5 };

describe('oneOffAccuracy', () => {
  it('counts predictions within one step of the truth', () => {
    const yTrue = ['awful', 'poor', 'fine', 'good', 'great'];
    const yPred = ['poor', 'poor', 'great', 'fine', 'awful'];
    // |Δ| = 1, 0, 2, 1, 4 → 3 of 5
    expect(oneOffAccuracy(yTrue, yPred, order)).toBeCloseTo(3 / 5, 12);
  });

  it('counts null and unranked predictions as wrong', () => {
    expect(oneOffAccuracy(['fine', 'fine', 'fine'], ['fine', null, 'meh'], order)).toBeCloseTo(1 / 3, 12);
  });

  it('is null for no rows and throws for an unranked true label', () => {
    expect(oneOffAccuracy([], [], order)).toBeNull();
    expect(() => oneOffAccuracy(['meh'], ['fine'], order)).toThrow(RangeError);
    expect(() => oneOffAccuracy(['fine'], [], order)).toThrow(RangeError);
  });

  it('does not treat inherited object keys as ranks', () => {
    expect(oneOffAccuracy(['fine'], ['toString'], order)).toBe(0);
  });
});

describe('goodVsBadAccuracy', () => {
  it('binarises both sides at rank ≥ threshold', () => {
    const yTrue = ['awful', 'poor', 'fine', 'good', 'great', 'good'];
    const yPred = ['fine', 'awful', 'good', 'fine', 'good', null];
    // threshold 4: truth bad,bad,bad,good,good,good; predicted bad,bad,good,bad,good,(wrong)
    expect(goodVsBadAccuracy(yTrue, yPred, order, 4)).toBeCloseTo(3 / 6, 12);
    // threshold 3: truth bad,bad,good,good,good,good; predicted good,bad,good,good,good,(wrong)
    expect(goodVsBadAccuracy(yTrue, yPred, order, 3)).toBeCloseTo(4 / 6, 12);
  });

  it('is null for no rows and rejects a non-finite threshold', () => {
    expect(goodVsBadAccuracy([], [], order, 3)).toBeNull();
    expect(() => goodVsBadAccuracy([], [], order, Number.NaN)).toThrow(RangeError);
  });
});
