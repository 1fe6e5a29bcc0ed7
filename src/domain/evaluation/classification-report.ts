import { assertSameLength, labelIndex } from './inputs.js';
import { numpyMean, numpySum } from './numpy-sum.js';

/**
 * scikit-learn's `classification_report(y_true, y_pred, labels=labels, zero_division=0,
 * output_dict=True)`, with failed predictions (null) counting as wrong.
 *
 * Per label: precision = TP / predicted (0 when never predicted), recall = TP / support (0 when the
 * label never occurs), F1 = 2·TP / (support + predicted) (0 when both are 0). That F1 is the harmonic
 * mean of P and R whenever both are defined, and 0 when either is 0; it is the count form current
 * scikit-learn itself uses, so the floats agree to the last bit. Averages sum in numpy's order.
 *
 * Predicted counts include predictions of a label on rows whose true label is outside `labels`
 * (they are false positives in scikit-learn too); null and unknown predictions are nobody's
 * positive and only lower recall.
 *
 * To reproduce in Python, replace each null with a string that is not a label (say '__failed__')
 * and call classification_report / accuracy_score with `labels=labels, zero_division=0`.
 */

export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface AverageScores {
  precision: number;
  recall: number;
  f1: number;
  /** Sum of the per-label supports, as scikit-learn reports on the average rows. */
  support: number;
}

export interface ClassificationReport {
  labels: ClassScores[];
  /** correct / total over every row (`accuracy_score`); null when there are no rows. */
  accuracy: number | null;
  /** Unweighted mean over the given labels, including labels that never occur. */
  macro: AverageScores;
  /** Support-weighted mean; all zeros when no row's true label is among the labels. */
  weighted: AverageScores;
  /** From the counts summed over the given labels: TP / predicted, TP / support, 2·TP / (support + predicted). */
  micro: AverageScores;
  /**
   * Every true label and prediction is one of the labels (a null prediction is not): then micro
   * precision, recall and F1 all equal accuracy, and scikit-learn prints an `accuracy` row instead of
   * `micro avg` (its `micro_is_accuracy`).
   */
  microIsAccuracy: boolean;
  /** Number of rows, failed predictions included. */
  total: number;
}

const ratio = (numerator: number, denominator: number): number => (denominator === 0 ? 0 : numerator / denominator);

export function classificationReport(
  yTrue: readonly string[],
  yPred: readonly (string | null)[],
  labels: readonly string[],
): ClassificationReport {
  assertSameLength('classificationReport', yTrue, yPred);
  const index = labelIndex('classificationReport', labels);
  const tp = labels.map(() => 0);
  const predicted = labels.map(() => 0);
  const support = labels.map(() => 0);
  let correct = 0;
  let outside = false;
  yTrue.forEach((truth, i) => {
    const guess = yPred[i] ?? null;
    const t = index.get(truth);
    const p = guess === null ? undefined : index.get(guess);
    if (t === undefined || p === undefined) outside = true;
    if (t !== undefined) support[t]!++;
    if (p !== undefined) predicted[p]!++;
    // accuracy_score compares the raw values, so a match outside `labels` still counts as correct.
    if (guess === truth) {
      correct++;
      if (t !== undefined) tp[t]!++;
    }
  });

  const rows: ClassScores[] = labels.map((label, i) => ({
    label,
    precision: ratio(tp[i]!, predicted[i]!),
    recall: ratio(tp[i]!, support[i]!),
    f1: ratio(2 * tp[i]!, support[i]! + predicted[i]!),
    support: support[i]!,
  }));
  const totalSupport = support.reduce((sum, s) => sum + s, 0);
  const mean = (pick: (row: ClassScores) => number): number => numpyMean(rows.map(pick));
  // np.average(values, weights=support) is Σ v·w / Σ w; with no support at all every per-label value
  // is already 0 under zero_division=0, so 0 is also what scikit-learn returns.
  const weightedMean = (pick: (row: ClassScores) => number): number =>
    totalSupport === 0 ? 0 : numpySum(rows.map((row) => pick(row) * row.support)) / totalSupport;
  const average = (of: (pick: (row: ClassScores) => number) => number): AverageScores => ({
    precision: of((row) => row.precision),
    recall: of((row) => row.recall),
    f1: of((row) => row.f1),
    support: totalSupport,
  });

  const tpSum = tp.reduce((sum, n) => sum + n, 0);
  const predictedSum = predicted.reduce((sum, n) => sum + n, 0);
  return {
    labels: rows,
    accuracy: yTrue.length === 0 ? null : correct / yTrue.length,
    macro: average(mean),
    weighted: average(weightedMean),
    micro: {
      precision: ratio(tpSum, predictedSum),
      recall: ratio(tpSum, totalSupport),
      f1: ratio(2 * tpSum, totalSupport + predictedSum),
      support: totalSupport,
    },
    microIsAccuracy: !outside,
    total: yTrue.length,
  };
}
