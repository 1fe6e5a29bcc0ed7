import { describe, expect, it } from 'vitest';
import { populationStability } from './psi.js';

describe('populationStability', () => {
  it('is zero for identical shares, whatever the counts', () => {
    const result = populationStability({ a: 10, b: 30 }, { a: 100, b: 300 }, ['a', 'b']);
    expect(result?.psi).toBe(0);
    expect(result?.level).toBe('stable');
  });

  it('sums (actual − expected) · ln(actual / expected) per label', () => {
    // expected 50/50, actual 80/20: 0.3·ln(1.6) + (−0.3)·ln(0.4)
    const result = populationStability({ a: 5, b: 5 }, { a: 8, b: 2 }, ['a', 'b'])!;
    expect(result.psi).toBeCloseTo(0.3 * Math.log(1.6) - 0.3 * Math.log(0.4), 12);
    expect(result.psi).toBeCloseTo(0.4159, 4);
    expect(result.level).toBe('significant');
    expect(result.labels.map((row) => row.actual_share)).toEqual([0.8, 0.2]);
  });

  it('floors an empty share at epsilon instead of dividing by zero', () => {
    const result = populationStability({ a: 1, b: 1 }, { a: 1, b: 0 }, ['a', 'b'], 0.01)!;
    expect(result.psi).toBeCloseTo(0.5 * Math.log(2) + (0.01 - 0.5) * Math.log(0.01 / 0.5), 12);
  });

  it('counts only the task labels and has no answer without data', () => {
    expect(populationStability({ a: 1 }, {}, ['a'])).toBeNull();
    expect(populationStability({ a: 2, b: 2, x: 100 }, { a: 1, b: 1 }, ['a', 'b'])?.psi).toBe(0);
  });

  it('reads 0.1 to 0.25 as a moderate shift', () => {
    const result = populationStability({ a: 50, b: 50 }, { a: 70, b: 30 }, ['a', 'b'])!;
    expect(result.psi).toBeGreaterThan(0.1);
    expect(result.psi).toBeLessThan(0.25);
    expect(result.level).toBe('moderate');
  });
});
