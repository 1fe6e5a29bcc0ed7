import { describe, expect, it } from 'vitest';
import { driftReading, populationStability } from './psi.js';

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

describe('driftReading', () => {
  // Two predictions, both of the rarer label: a huge PSI that means nothing yet.
  const tiny = populationStability({ a: 90, b: 10 }, { b: 2 }, ['a', 'b'])!;

  it('never calls a shift significant below the minimum sample, and says so with the counts', () => {
    expect(tiny.level).toBe('significant');
    const reading = driftReading(tiny, { predictions: 2, referenceRows: 100 }, 100);
    expect(reading).toMatchObject({
      psi: tiny.psi,
      level: null,
      significant: false,
      insufficient_sample: true,
      sample: { predictions: 2, reference_rows: 100, min_predictions: 100 },
    });
  });

  it('reads the level as usual from the minimum sample on', () => {
    const enough = populationStability({ a: 90, b: 10 }, { a: 50, b: 50 }, ['a', 'b'])!;
    const reading = driftReading(enough, { predictions: 100, referenceRows: 100 }, 100);
    expect(reading).toMatchObject({ level: 'significant', significant: true, insufficient_sample: false });
    const stable = populationStability({ a: 1, b: 1 }, { a: 100, b: 100 }, ['a', 'b'])!;
    expect(driftReading(stable, { predictions: 200, referenceRows: 2 }, 100).significant).toBe(false);
  });
});
