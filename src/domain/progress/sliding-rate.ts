/**
 * Rate and ETA of background work from a sliding window of recent progress samples. Counting the
 * answers of the last whole minute made a run 1 s old look 60 times slower than it was (an ETA of
 * 2,940 s for a run that took 10 s); the rate here is the progress made over the window's span.
 */

/** Answers recorded in one stretch of time, ending with the last one at `atMs`. */
export interface ProgressBucket {
  atMs: number;
  count: number;
}

/** A point on the progress curve: `done` items were finished at `atMs`. */
export interface ProgressSample {
  atMs: number;
  done: number;
}

export const RATE_WINDOW_MS = 30_000;
/** Fewer points than this say nothing about a rate yet. */
export const MIN_RATE_SAMPLES = 3;

/** Buckets in time order plus the count finished now, as cumulative samples. */
export function samplesFromBuckets(buckets: readonly ProgressBucket[], doneNow: number): ProgressSample[] {
  let done = doneNow - buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  return buckets.map((bucket) => {
    done += bucket.count;
    return { atMs: bucket.atMs, done };
  });
}

export interface RateEstimate {
  /** Items per second over the window; null until there are enough samples. */
  perSecond: number | null;
  etaSeconds: number | null;
}

/**
 * Progress from the first sample in the window to now, over that time: a run that stalls slows
 * down in the estimate instead of keeping its last pace. `remaining` items left; a finished piece
 * of work has an ETA of 0.
 */
export function slidingRate(
  samples: readonly ProgressSample[],
  nowMs: number,
  remaining: number,
  options: { windowMs?: number; minSamples?: number } = {},
): RateEstimate {
  if (remaining <= 0) return { perSecond: null, etaSeconds: 0 };
  const windowMs = options.windowMs ?? RATE_WINDOW_MS;
  const minSamples = options.minSamples ?? MIN_RATE_SAMPLES;
  const recent = samples.filter((sample) => sample.atMs >= nowMs - windowMs && sample.atMs <= nowMs);
  const first = recent[0];
  const last = recent.at(-1);
  if (recent.length < minSamples || !first || !last || nowMs <= first.atMs) {
    return { perSecond: null, etaSeconds: null };
  }
  const perSecond = (last.done - first.done) / ((nowMs - first.atMs) / 1000);
  return { perSecond, etaSeconds: perSecond > 0 ? Math.ceil(remaining / perSecond) : null };
}
