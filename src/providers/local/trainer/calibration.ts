/**
 * Probabilities from SVM margins: softmax(margins / T), with the temperature T fitted on rows the
 * model did not train on by minimising their log loss (temperature scaling, Guo et al., 2017).
 * One parameter cannot overfit a few hundred held-out rows, keeps the argmax unchanged, and makes
 * the probabilities sum to 1 over the labels by construction. Margins on training rows would not
 * do: a max-margin model pushes them all past 1, which would make it look certain.
 */

export const DEFAULT_TEMPERATURE = 1;

/** softmax(scores[offset .. offset + classes) / temperature) into `out`. */
export function softmaxInto(
  scores: ArrayLike<number>,
  offset: number,
  classes: number,
  temperature: number,
  out: Float64Array,
): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < classes; k++) max = Math.max(max, scores[offset + k]! / temperature);
  let sum = 0;
  for (let k = 0; k < classes; k++) {
    out[k] = Math.exp(scores[offset + k]! / temperature - max);
    sum += out[k]!;
  }
  for (let k = 0; k < classes; k++) out[k]! /= sum;
  return out;
}

/** Mean negative log-likelihood of the true labels; `scores` is rows × classes. */
export function logLoss(scores: Float64Array, truth: Int32Array, classes: number, temperature: number): number {
  if (truth.length === 0) return 0;
  let total = 0;
  for (let r = 0; r < truth.length; r++) {
    const offset = r * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, scores[offset + k]! / temperature);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(scores[offset + k]! / temperature - max);
    total += max + Math.log(sum) - scores[offset + truth[r]!]! / temperature;
  }
  return total / truth.length;
}

// Margins of a linear SVM live roughly in [-2, 2]; these bounds leave room on both sides.
const MIN_LOG_T = Math.log(0.01);
const MAX_LOG_T = Math.log(100);

/**
 * The temperature with the lowest held-out log loss, by golden-section search over ln T (the loss
 * is unimodal in T for fixed margins). With no held-out rows it stays at 1.
 */
export function fitTemperature(scores: Float64Array, truth: Int32Array, classes: number): number {
  if (truth.length === 0) return DEFAULT_TEMPERATURE;
  const loss = (logT: number) => logLoss(scores, truth, classes, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = MIN_LOG_T;
  let high = MAX_LOG_T;
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let lossA = loss(a);
  let lossB = loss(b);
  for (let i = 0; i < 40; i++) {
    if (lossA <= lossB) {
      high = b;
      b = a;
      lossB = lossA;
      a = high - ratio * (high - low);
      lossA = loss(a);
    } else {
      low = a;
      a = b;
      lossA = lossB;
      b = low + ratio * (high - low);
      lossB = loss(b);
    }
  }
  return Math.exp((low + high) / 2);
}
