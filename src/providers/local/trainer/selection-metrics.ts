/**
 * The figures the trainer compares candidate models by, over label indices. Macro-F1 follows
 * scikit-learn: per-label F1 with zero division counted as 0, averaged without weights over the
 * labels that occur in the truth or the predictions.
 */

export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (truth.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++;
  return correct / truth.length;
}

export function macroF1(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number {
  const truePositive = new Float64Array(classes);
  const actual = new Float64Array(classes);
  const guessed = new Float64Array(classes);
  for (let i = 0; i < truth.length; i++) {
    actual[truth[i]!]! += 1;
    guessed[predicted[i]!]! += 1;
    if (truth[i] === predicted[i]) truePositive[truth[i]!]! += 1;
  }
  let sum = 0;
  let present = 0;
  for (let k = 0; k < classes; k++) {
    if (actual[k] === 0 && guessed[k] === 0) continue;
    present++;
    const denominator = actual[k]! + guessed[k]!;
    sum += denominator === 0 ? 0 : (2 * truePositive[k]!) / denominator;
  }
  return present === 0 ? 0 : sum / present;
}

/** Row-wise argmax of rows × classes scores; ties go to the earlier label. */
export function argmaxRows(scores: Float64Array, classes: number): Int32Array {
  const rows = classes === 0 ? 0 : scores.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (scores[r * classes + k]! > scores[r * classes + best]!) best = k;
    out[r] = best;
  }
  return out;
}
