import { describe, expect, it } from 'vitest';
import { agreement } from './agreement.js';

const repeat = (count: number, a: string, b: string) => Array.from({ length: count }, () => ({ a, b }));

describe('agreement', () => {
  it('matches the Wikipedia example (kappa 0.4)', () => {
    const pairs = [
      ...repeat(20, 'yes', 'yes'),
      ...repeat(5, 'yes', 'no'),
      ...repeat(10, 'no', 'yes'),
      ...repeat(15, 'no', 'no'),
    ];
    const result = agreement(pairs);
    expect(result.n).toBe(50);
    expect(result.accuracy).toBeCloseTo(0.7, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
  });

  it('matches a three-label case computed by hand', () => {
    // po = 0.7; marginals a = (4, 3, 3), b = (3, 4, 3) over n = 10; pe = (12 + 12 + 9) / 100 = 0.33.
    const pairs = [
      ...repeat(3, 'x', 'x'),
      { a: 'x', b: 'y' },
      ...repeat(2, 'y', 'y'),
      { a: 'y', b: 'z' },
      { a: 'z', b: 'y' },
      ...repeat(2, 'z', 'z'),
    ];
    const result = agreement(pairs);
    expect(result.accuracy).toBeCloseTo(0.7, 12);
    expect(result.kappa).toBeCloseTo((0.7 - 0.33) / (1 - 0.33), 12);
  });

  it('is 1 for perfect agreement over several labels and negative for systematic disagreement', () => {
    expect(agreement([...repeat(3, 'a', 'a'), ...repeat(2, 'b', 'b')]).kappa).toBe(1);
    expect(agreement([...repeat(5, 'a', 'b'), ...repeat(5, 'b', 'a')]).kappa).toBe(-1);
  });

  it('is 0 when agreement is exactly what chance predicts', () => {
    // a always says x; b splits evenly: po = 0.5 = pe.
    expect(agreement([...repeat(2, 'x', 'x'), ...repeat(2, 'x', 'y')]).kappa).toBe(0);
  });

  it('is null when both raters used one same label throughout (scikit-learn gives NaN)', () => {
    expect(agreement(repeat(4, 'spam', 'spam'))).toEqual({ n: 4, accuracy: 1, kappa: null });
  });

  it('is 0, like scikit-learn, when each rater used a different single label', () => {
    expect(agreement(repeat(4, 'x', 'y'))).toEqual({ n: 4, accuracy: 0, kappa: 0 });
  });

  it('is null for no pairs', () => {
    expect(agreement([])).toEqual({ n: 0, accuracy: null, kappa: null });
  });
});
