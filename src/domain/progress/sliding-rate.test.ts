import { describe, expect, it } from 'vitest';
import { samplesFromBuckets, slidingRate } from './sliding-rate.js';

describe('slidingRate', () => {
  it('has no rate or ETA until there are enough samples', () => {
    expect(slidingRate([], 1_000, 98)).toEqual({ perSecond: null, etaSeconds: null });
    expect(slidingRate([{ atMs: 500, done: 2 }], 1_000, 98)).toEqual({ perSecond: null, etaSeconds: null });
    expect(
      slidingRate(
        [
          { atMs: 500, done: 2 },
          { atMs: 900, done: 4 },
        ],
        1_000,
        96,
      ).etaSeconds,
    ).toBeNull();
  });

  it('estimates a 10 s run of 100 as about 10 s, not 2,940 s', () => {
    // Ten items a second: the per-minute count said 2 done in the last minute → 98 / 2 × 60 = 2,940 s.
    const samples = [1_000, 2_000, 3_000].map((atMs) => ({ atMs, done: atMs / 100 }));
    const estimate = slidingRate(samples, 3_000, 70);
    expect(estimate.perSecond).toBeCloseTo(10, 9);
    expect(estimate.etaSeconds).toBe(7);
  });

  it('only counts the window, so an earlier pace is forgotten', () => {
    const slow = [0, 10_000, 20_000].map((atMs) => ({ atMs, done: atMs / 1000 })); // 1 a second
    const fast = [50_000, 55_000, 60_000].map((atMs, i) => ({ atMs, done: 100 + i * 50 })); // 10 a second
    const estimate = slidingRate([...slow, ...fast], 60_000, 100);
    expect(estimate.perSecond).toBeCloseTo(10, 9);
    expect(estimate.etaSeconds).toBe(10);
  });

  it('slows down when the work stalls, and has no ETA once nothing moves', () => {
    const samples = [0, 1_000, 2_000].map((atMs) => ({ atMs, done: atMs / 100 }));
    expect(slidingRate(samples, 2_000, 80).perSecond).toBeCloseTo(10, 9);
    expect(slidingRate(samples, 20_000, 80).perSecond).toBeCloseTo(1, 9);
    const flat = [0, 1_000, 2_000].map((atMs) => ({ atMs, done: 5 }));
    expect(slidingRate(flat, 3_000, 80)).toEqual({ perSecond: 0, etaSeconds: null });
  });

  it('has an ETA of 0 when nothing remains', () => {
    expect(slidingRate([], 0, 0).etaSeconds).toBe(0);
  });
});

describe('samplesFromBuckets', () => {
  it('turns counts per stretch into a cumulative curve ending at the count done now', () => {
    const samples = samplesFromBuckets(
      [
        { atMs: 1_000, count: 3 },
        { atMs: 2_000, count: 5 },
      ],
      20,
    );
    expect(samples).toEqual([
      { atMs: 1_000, done: 15 },
      { atMs: 2_000, done: 20 },
    ]);
  });
});
