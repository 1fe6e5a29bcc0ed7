import { numpyMean } from './numpy-sum.js';

/**
 * Latency summary in milliseconds. Percentiles use numpy's default `np.percentile(ms, q)` (method
 * 'linear', type 7 of Hyndman & Fan): the q-th percentile sits at position (n − 1)·q/100 of the
 * sorted values, interpolating between the two neighbours. Unlike nearest-rank it moves smoothly as
 * samples are added, and it is what a data scientist gets from numpy or pandas without options.
 * The interpolation is evaluated the way numpy's `_lerp` does, so the floats agree to the last bit.
 */

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** numpy's `_lerp`: from the nearer end, so t = 1 returns b exactly. */
const lerp = (a: number, b: number, t: number): number => (t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t);

/** `np.percentile(sorted, q)` for ascending, non-empty `sorted` and q in [0, 100]. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile: no values');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile: q must be in [0, 100], got ${q}`);
  const position = (sorted.length - 1) * (q / 100);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return lerp(sorted[below]!, sorted[above]!, position - below);
}

/** Percentiles, mean and max of the given latencies; null when there are none. */
export function latencyPercentiles(ms: readonly number[]): LatencySummary | null {
  if (ms.length === 0) return null;
  if (ms.some((value) => !Number.isFinite(value)))
    throw new RangeError('latencyPercentiles: latencies must be finite numbers');
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    // In the order given and numpy's summation order, so the mean matches np.mean bit for bit.
    mean: numpyMean(ms),
    max: sorted[sorted.length - 1]!,
  };
}
