import { describe, expect, it } from 'vitest';
import { latencyPercentiles, percentile } from './latency.js';

describe('latencyPercentiles', () => {
  it('matches numpy bit for bit', () => {
    // np.percentile(ms, [50, 95, 99]) → 10.5, 82.44999999999996, 96.49000000000001; np.mean → 27.3
    const ms = [12, 3, 7, 45, 100, 8, 9, 23, 5, 61];
    expect(latencyPercentiles(ms)).toEqual({
      p50: 10.5,
      p95: 82.44999999999996,
      p99: 96.49000000000001,
      mean: 27.3,
      max: 100,
    });
  });

  it('interpolates linearly between the neighbouring order statistics', () => {
    // Position (4 − 1) · 0.5 = 1.5 → halfway between 20 and 30.
    expect(percentile([10, 20, 30, 40], 50)).toBe(25);
    // Position 3 · 0.95 = 2.85 → 30 + 0.85 · 10
    expect(percentile([10, 20, 30, 40], 95)).toBeCloseTo(38.5, 12);
    expect(percentile([10, 20, 30, 40], 0)).toBe(10);
    expect(percentile([10, 20, 30, 40], 100)).toBe(40);
  });

  it('does not reorder or modify its input', () => {
    const ms = [3, 1, 2];
    latencyPercentiles(ms);
    expect(ms).toEqual([3, 1, 2]);
  });

  it('reports a single value for every statistic', () => {
    expect(latencyPercentiles([42])).toEqual({ p50: 42, p95: 42, p99: 42, mean: 42, max: 42 });
  });

  it('is null for no latencies and rejects non-finite ones', () => {
    expect(latencyPercentiles([])).toBeNull();
    expect(() => latencyPercentiles([1, Number.NaN])).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});
