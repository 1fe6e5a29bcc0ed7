import { assertSameLength } from './inputs.js';

/**
 * Metrics for ordinal labels (ratings, severities) where `order` gives each label's rank: being one
 * step off matters less than being far off, and often only the good/bad side matters.
 * Every row is in the denominator; a null prediction, or one naming a label without a rank, is
 * wrong. A true label without a rank is a caller bug and throws. Both return null for no rows.
 */

function rankOf(name: string, order: Readonly<Record<string, number>>, label: string): number {
  const rank = Object.hasOwn(order, label) ? order[label] : undefined;
  if (rank === undefined || !Number.isFinite(rank))
    throw new RangeError(`${name}: true label "${label}" has no rank in order`);
  return rank;
}

const predictedRank = (order: Readonly<Record<string, number>>, label: string | null): number | undefined => {
  if (label === null || !Object.hasOwn(order, label)) return undefined;
  const rank = order[label];
  return rank !== undefined && Number.isFinite(rank) ? rank : undefined;
};

function shareWhere(
  name: string,
  yTrue: readonly string[],
  yPred: readonly (string | null)[],
  order: Readonly<Record<string, number>>,
  right: (trueRank: number, predictedRank: number) => boolean,
): number | null {
  assertSameLength(name, yTrue, yPred);
  if (yTrue.length === 0) return null;
  let hits = 0;
  yTrue.forEach((truth, i) => {
    const trueRank = rankOf(name, order, truth);
    const guess = predictedRank(order, yPred[i] ?? null);
    if (guess !== undefined && right(trueRank, guess)) hits++;
  });
  return hits / yTrue.length;
}

/** Share of rows whose predicted rank is within 1 of the true rank (|true − predicted| ≤ 1). */
export function oneOffAccuracy(
  yTrue: readonly string[],
  yPred: readonly (string | null)[],
  order: Readonly<Record<string, number>>,
): number | null {
  return shareWhere('oneOffAccuracy', yTrue, yPred, order, (t, p) => Math.abs(t - p) <= 1);
}

/** Accuracy after binarising both sides as good = rank ≥ threshold. */
export function goodVsBadAccuracy(
  yTrue: readonly string[],
  yPred: readonly (string | null)[],
  order: Readonly<Record<string, number>>,
  threshold: number,
): number | null {
  if (!Number.isFinite(threshold))
    throw new RangeError(`goodVsBadAccuracy: threshold must be finite, got ${threshold}`);
  return shareWhere('goodVsBadAccuracy', yTrue, yPred, order, (t, p) => t >= threshold === p >= threshold);
}
