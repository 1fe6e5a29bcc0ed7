import { assertSameLength, labelIndex } from './inputs.js';
import { numpyMean } from './numpy-sum.js';

/**
 * Probability-quality metrics over per-row label → probability maps.
 *
 * A row whose map is null (the prediction failed) or names none of the labels cannot be scored: it
 * is left out and counted in `excluded`, and `value` is null when no row is left. A label missing
 * from a map that names others has probability 0. Probabilities outside [0, 1] throw, as in
 * scikit-learn; so does a true label outside `labels` (log_loss raises on it too).
 *
 * Maps may sum to less than 1 (mass on tokens that start no label is the model's doubt, see
 * labeling/logprob-mapping.ts). log loss renormalises each row, as its definition below requires;
 * the Brier score and ECE use the probabilities as given.
 */

export type ProbabilityRow = Readonly<Record<string, number>> | null;

export interface CalibrationScore {
  /** The metric over the scored rows; null when none could be scored. */
  value: number | null;
  /** Rows scored. */
  rows: number;
  /** Rows left out because their probabilities were missing. */
  excluded: number;
}

interface ScoredRow {
  trueIndex: number;
  probabilities: number[];
}

function scorable(
  name: string,
  yTrue: readonly string[],
  probabilities: readonly ProbabilityRow[],
  labels: readonly string[],
) {
  assertSameLength(name, yTrue, probabilities);
  const index = labelIndex(name, labels);
  const rows: ScoredRow[] = [];
  let excluded = 0;
  yTrue.forEach((truth, i) => {
    const trueIndex = index.get(truth);
    if (trueIndex === undefined) throw new RangeError(`${name}: true label "${truth}" is not one of the labels`);
    const map = probabilities[i] ?? null;
    if (map === null || !labels.some((label) => Object.hasOwn(map, label))) {
      excluded++;
      return;
    }
    const row = labels.map((label) => {
      const p = Object.hasOwn(map, label) ? map[label]! : 0;
      if (!(p >= 0 && p <= 1))
        throw new RangeError(`${name}: probability of "${label}" on row ${i} is ${p}, outside [0, 1]`);
      return p;
    });
    rows.push({ trueIndex, probabilities: row });
  });
  return { rows, excluded };
}

function meanOver(rows: readonly ScoredRow[], excluded: number, loss: (row: ScoredRow) => number): CalibrationScore {
  if (rows.length === 0) return { value: null, rows: 0, excluded };
  return { value: numpyMean(rows.map(loss)), rows: rows.length, excluded };
}

/**
 * scikit-learn's `log_loss(y_true, P, labels=labels, eps=eps)` as of 1.2: clip every probability to
 * [eps, 1 − eps], renormalise each row to sum to 1, then average −ln p(true label). Clipping keeps a
 * confident miss finite. Later releases default eps to float64 machine epsilon (pass
 * `Number.EPSILON`) and warn instead of renormalising; on rows that already sum to 1 and stay
 * inside [eps, 1 − eps] all of them agree.
 */
export function logLoss(
  yTrue: readonly string[],
  probabilities: readonly ProbabilityRow[],
  labels: readonly string[],
  eps = 1e-15,
): CalibrationScore {
  if (!(eps > 0 && eps < 0.5)) throw new RangeError(`logLoss: eps must be in (0, 0.5), got ${eps}`);
  const { rows, excluded } = scorable('logLoss', yTrue, probabilities, labels);
  return meanOver(rows, excluded, ({ trueIndex, probabilities: row }) => {
    const clipped = row.map((p) => Math.min(1 - eps, Math.max(eps, p)));
    const total = clipped.reduce((sum, p) => sum + p, 0);
    return -Math.log(clipped[trueIndex]! / total);
  });
}

/**
 * Multi-class Brier score: the mean over rows of Σ_labels (p − 1[label is true])², in [0, 2].
 * Chosen over the binary form so that one definition covers every task. It equals scikit-learn
 * ≥ 1.7 `brier_score_loss(y_true, P, labels=labels, scale_by_half=False)` for any number of labels
 * (and the default `scale_by_half='auto'` from three labels up). For two labels it is exactly
 * 2 × the binary `brier_score_loss(y_true == positive, p_positive)` of earlier releases and of
 * 'auto', provided each row's two probabilities sum to 1.
 */
export function brierScore(
  yTrue: readonly string[],
  probabilities: readonly ProbabilityRow[],
  labels: readonly string[],
): CalibrationScore {
  const { rows, excluded } = scorable('brierScore', yTrue, probabilities, labels);
  return meanOver(rows, excluded, ({ trueIndex, probabilities: row }) =>
    row.reduce((sum, p, j) => sum + (p - (j === trueIndex ? 1 : 0)) ** 2, 0),
  );
}

/** One bin of a reliability diagram: rows whose top probability falls in (lower, upper] (the first takes 0). */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  rows: number;
  /** Share of the bin's rows whose top label is the true one; null for an empty bin. */
  accuracy: number | null;
  /** Mean top probability of the bin's rows; null for an empty bin. */
  mean_confidence: number | null;
}

/**
 * The bins behind the expected calibration error, as scikit-learn's calibration curve with
 * uniform bins over the top probability (confidence) and argmax as the answer, first label on
 * ties: what a reliability diagram draws.
 */
export function reliabilityBins(
  yTrue: readonly string[],
  probabilities: readonly ProbabilityRow[],
  labels: readonly string[],
  bins = 10,
): { bins: ReliabilityBin[]; rows: number; excluded: number } {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`expectedCalibrationError: bins must be a positive integer, got ${bins}`);
  const { rows, excluded } = scorable('expectedCalibrationError', yTrue, probabilities, labels);
  // np.linspace computes edge i as i * (1 / bins); the same product keeps ties on an edge identical.
  const step = 1 / bins;
  const innerEdges = Array.from({ length: bins - 1 }, (_, i) => (i + 1) * step);
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  for (const { trueIndex, probabilities: row } of rows) {
    let best = 0;
    row.forEach((p, j) => {
      if (p > row[best]!) best = j;
    });
    const top = row[best]!;
    const bin = innerEdges.filter((edge) => edge < top).length;
    count[bin]!++;
    confidence[bin]! += top;
    if (best === trueIndex) correct[bin]!++;
  }
  return {
    bins: count.map((n, b) => ({
      lower: b * step,
      upper: (b + 1) * step,
      rows: n,
      accuracy: n > 0 ? correct[b]! / n : null,
      mean_confidence: n > 0 ? confidence[b]! / n : null,
    })),
    rows: rows.length,
    excluded,
  };
}

/**
 * Expected calibration error (Guo et al., 2017): each row's confidence is its highest probability
 * and its prediction that label (the first in `labels` order on ties, like numpy's argmax). Rows go
 * into `bins` equal-width bins over [0, 1] the way scikit-learn's `calibration_curve(strategy=
 * 'uniform')` assigns them (edges `np.linspace(0, 1, bins + 1)`, `np.searchsorted` on the inner
 * edges: a bin is (lower, upper], the first also takes 0). ECE = Σ_bins (n_bin / n) · |accuracy_bin −
 * mean confidence_bin|. scikit-learn has no ECE function; this is the usual top-label definition.
 */
export function expectedCalibrationError(
  yTrue: readonly string[],
  probabilities: readonly ProbabilityRow[],
  labels: readonly string[],
  bins = 10,
): CalibrationScore {
  const curve = reliabilityBins(yTrue, probabilities, labels, bins);
  if (curve.rows === 0) return { value: null, rows: 0, excluded: curve.excluded };
  let ece = 0;
  for (const bin of curve.bins) {
    if (bin.rows > 0) ece += Math.abs(bin.accuracy! - bin.mean_confidence!) * (bin.rows / curve.rows);
  }
  return { value: ece, rows: curve.rows, excluded: curve.excluded };
}
