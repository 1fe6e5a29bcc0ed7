import { seededRng, shuffleInPlace } from '../../../domain/seeded-rng.js';
import type { SparseRows } from './sparse-rows.js';

/**
 * One-vs-rest linear SVM with the squared hinge loss, trained by dual coordinate descent (Hsieh
 * et al., 2008): the solver behind liblinear and scikit-learn's LinearSVC, the model that a
 * well-tuned TF-IDF baseline uses. Chosen over SGD or logistic regression because it has no
 * learning rate or schedule to tune, each step is a closed-form update, and it gets close to the
 * optimum in a few passes over sparse text (held-out accuracy stops moving after 4–5 on every
 * benchmark), which is what keeps training to seconds in JavaScript. Its margins are not
 * probabilities; `calibration.ts` turns them into some.
 *
 * All labels are trained in the same pass: one read of a row's features updates every label's
 * weights, which are stored feature-major (`weights[feature * classes + label]`), so the inner
 * loop runs over contiguous memory. The intercept is an extra feature of value 1 that is
 * regularised like the others, as in liblinear (intercept_scaling = 1).
 */

export interface LinearModel {
  classes: number;
  features: number;
  /** weights[feature * classes + label] */
  weights: Float64Array;
  bias: Float64Array;
}

export interface SvmOptions {
  /** The SVM's C: the price of a margin violation. Larger fits the training rows more closely. */
  regularization: number;
  /** Maximum passes over the rows; training stops earlier once the dual is solved to `tolerance`. */
  epochs: number;
  /** liblinear's stopping rule: spread of the projected gradient over the last pass. */
  tolerance: number;
  seed: number;
}

export interface SvmEpoch {
  epoch: number;
  /** Mean squared hinge loss over rows and labels, measured during the pass. */
  loss: number;
  model: LinearModel;
}

/** Where a fit ended, to warm-start another fit (another C, or the same rows plus more). */
export interface SvmState {
  /** Dual variables, rows × labels, in the order of the fit's `rows`. */
  alpha: Float64Array;
  /** Which (row, label) pairs were still being optimised when the fit stopped. */
  active: Uint8Array;
  /** Per label: the last pass's largest projected gradient (the shrinking threshold). */
  gradientMax: Float64Array;
  /** Last squared hinge seen per pair, for reporting the loss of pairs that were shrunk. */
  pairLoss: Float64Array;
  weights: Float64Array;
  bias: Float64Array;
}

export interface SvmResult {
  model: LinearModel;
  state: SvmState;
  epochs: number;
  loss: number;
}

/** What scoring needs: the trained model, or one read back from an artifact in single precision. */
export interface LinearScorer {
  classes: number;
  weights: ArrayLike<number>;
  bias: ArrayLike<number>;
}

const BIAS = 1;

/**
 * Fits on `rows` of `x` (a subset, so a holdout needs no copy).
 *
 * `warmStart` continues from another fit's state over the same rows. Any non-negative alpha is
 * feasible for every C, and w = Σ alpha·y·x holds whatever C is, so a previous fit's dual
 * variables, weights and active set are a valid start and usually a close one. Rows can be added
 * (alpha 0 keeps w unchanged), which is how a model fitted on part of the rows is refitted on all.
 *
 * Shrinking (as liblinear, per label): a (row, label) pair whose alpha is 0 and whose gradient
 * exceeds the label's largest projected gradient of the last pass is unlikely to move, so it
 * leaves the active set. Scores are computed only for a row's active labels, and a row with none
 * is skipped. A label is done when its active pairs meet the tolerance and, all pairs checked
 * again, still do; so shrinking saves passes without changing the answer.
 */
export function trainLinearSvm(
  x: SparseRows,
  y: Int32Array,
  rows: Int32Array,
  shape: { classes: number; features: number },
  options: SvmOptions,
  hooks: { warmStart?: SvmState; onEpoch?: (epoch: SvmEpoch) => void } = {},
): SvmResult {
  const { classes, features } = shape;
  const { offsets, indices, values } = x;
  const n = rows.length;
  const warm = hooks.warmStart;
  const model: LinearModel = {
    classes,
    features,
    weights: warm ? Float64Array.from(warm.weights) : new Float64Array(features * classes),
    bias: warm ? Float64Array.from(warm.bias) : new Float64Array(classes),
  };
  const { weights, bias } = model;
  const alpha = warm ? Float64Array.from(warm.alpha) : new Float64Array(n * classes);
  const active = warm ? Uint8Array.from(warm.active) : new Uint8Array(n * classes).fill(1);
  const gradientMaxOld = warm ? Float64Array.from(warm.gradientMax) : new Float64Array(classes).fill(Infinity);
  const squaredNorm = new Float64Array(n);
  const diagonal = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    let norm = BIAS * BIAS;
    for (let p = offsets[row]!; p < offsets[row + 1]!; p++) norm += values[p]! * values[p]!;
    squaredNorm[r] = norm;
    // The squared hinge's dual adds 1 / (2C) to the diagonal instead of bounding alpha by C.
    diagonal[r] = 1 / (2 * options.regularization);
  }
  const activeCount = new Int32Array(classes);
  for (let at = 0; at < active.length; at++) activeCount[at % classes]! += active[at]!;
  const done = new Uint8Array(classes);
  // The last squared hinge seen per pair; a shrunk pair keeps its last value (0 as a rule).
  const pairLoss = warm ? Float64Array.from(warm.pairLoss) : new Float64Array(n * classes).fill(1);

  const rng = seededRng(options.seed);
  const order = Int32Array.from({ length: n }, (_, r) => r);
  const scores = new Float64Array(classes);
  const steps = new Float64Array(classes);
  const activeLabels = new Int32Array(classes);
  const movedLabels = new Int32Array(classes);
  const gradientMax = new Float64Array(classes);
  const gradientMin = new Float64Array(classes);
  let epoch = 0;
  let loss = 0;
  while (epoch < options.epochs && done.includes(0)) {
    epoch++;
    shuffleInPlace(order, rng);
    gradientMax.fill(-Infinity);
    gradientMin.fill(Infinity);
    for (let o = 0; o < n; o++) {
      const r = order[o]!;
      let live = 0;
      for (let k = 0; k < classes; k++) if (active[r * classes + k] === 1 && done[k] === 0) activeLabels[live++] = k;
      if (live === 0) continue;
      const row = rows[r]!;
      const start = offsets[row]!;
      const end = offsets[row + 1]!;
      for (let a = 0; a < live; a++) scores[activeLabels[a]!] = bias[activeLabels[a]!]! * BIAS;
      // Most labels live: one contiguous pass over all of them beats an indirect one over some
      // (the scores of the others are computed but not read).
      if (live * 2 > classes) {
        for (let p = start; p < end; p++) {
          const base = indices[p]! * classes;
          const value = values[p]!;
          for (let k = 0; k < classes; k++) scores[k]! += value * weights[base + k]!;
        }
      } else {
        for (let p = start; p < end; p++) {
          const base = indices[p]! * classes;
          const value = values[p]!;
          for (let a = 0; a < live; a++) scores[activeLabels[a]!]! += value * weights[base + activeLabels[a]!]!;
        }
      }
      const label = y[row]!;
      const d = diagonal[r]!;
      const q = squaredNorm[r]! + d;
      let moved = 0;
      for (let a = 0; a < live; a++) {
        const k = activeLabels[a]!;
        const sign = k === label ? 1 : -1;
        const margin = sign * scores[k]!;
        const at = r * classes + k;
        pairLoss[at] = margin < 1 ? (1 - margin) * (1 - margin) : 0;
        const alphaOld = alpha[at]!;
        const gradient = margin - 1 + alphaOld * d;
        let projected = gradient;
        if (alphaOld === 0) {
          if (gradient > gradientMaxOld[k]!) {
            active[at] = 0;
            activeCount[k]!--;
            continue;
          }
          projected = Math.min(gradient, 0);
        }
        if (projected > gradientMax[k]!) gradientMax[k] = projected;
        if (projected < gradientMin[k]!) gradientMin[k] = projected;
        if (Math.abs(projected) > 1e-12) {
          const alphaNew = Math.max(alphaOld - gradient / q, 0);
          alpha[at] = alphaNew;
          const step = (alphaNew - alphaOld) * sign;
          if (step !== 0) {
            steps[k] = step;
            movedLabels[moved++] = k;
          }
        }
      }
      if (moved === 0) continue;
      // As for scores: one contiguous pass over all labels (steps 0 for the others) when most moved.
      if (moved * 2 > classes) {
        for (let p = start; p < end; p++) {
          const base = indices[p]! * classes;
          const value = values[p]!;
          for (let k = 0; k < classes; k++) weights[base + k]! += steps[k]! * value;
        }
      } else {
        for (let p = start; p < end; p++) {
          const base = indices[p]! * classes;
          const value = values[p]!;
          for (let m = 0; m < moved; m++) weights[base + movedLabels[m]!]! += steps[movedLabels[m]!]! * value;
        }
      }
      for (let m = 0; m < moved; m++) {
        bias[movedLabels[m]!]! += steps[movedLabels[m]!]! * BIAS;
        steps[movedLabels[m]!] = 0;
      }
    }
    for (let k = 0; k < classes; k++) {
      if (done[k] === 1) continue;
      const spread = activeCount[k] === 0 ? 0 : gradientMax[k]! - gradientMin[k]!;
      if (spread <= options.tolerance) {
        if (activeCount[k] === n) {
          done[k] = 1;
          continue;
        }
        for (let r = 0; r < n; r++) active[r * classes + k] = 1;
        activeCount[k] = n;
        gradientMaxOld[k] = Infinity;
        continue;
      }
      gradientMaxOld[k] = gradientMax[k]! <= 0 ? Infinity : gradientMax[k]!;
    }
    loss = 0;
    for (const value of pairLoss) loss += value;
    loss = n > 0 ? loss / (n * classes) : 0;
    hooks.onEpoch?.({ epoch, loss, model });
  }
  return { model, state: { alpha, active, gradientMax: gradientMaxOld, pairLoss, weights, bias }, epochs: epoch, loss };
}

/** Margins of one sparse vector for every label, into `out`. */
export function scoreVector(
  model: LinearScorer,
  indices: ArrayLike<number>,
  values: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  const { classes, weights, bias } = model;
  for (let k = 0; k < classes; k++) out[k] = bias[k]! * BIAS;
  for (let p = 0; p < indices.length; p++) {
    const base = indices[p]! * classes;
    const value = values[p]!;
    for (let k = 0; k < classes; k++) out[k]! += value * weights[base + k]!;
  }
  return out;
}

/** Margins of `rows` of `x`, rows × labels. */
export function scoreRows(model: LinearModel, x: SparseRows, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * model.classes);
  const one = new Float64Array(model.classes);
  rows.forEach((row, r) => {
    const start = x.offsets[row]!;
    const end = x.offsets[row + 1]!;
    scoreVector(model, x.indices.subarray(start, end), x.values.subarray(start, end), one);
    out.set(one, r * model.classes);
  });
  return out;
}
