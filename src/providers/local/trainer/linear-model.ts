import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { SparseRows } from './features.js';

/**
 * One-vs-rest linear SVM with the squared hinge loss, trained by dual coordinate descent (Hsieh
 * et al., 2008): the solver behind liblinear and scikit-learn's LinearSVC, the model that a
 * well-tuned TF-IDF baseline uses. Chosen over SGD or logistic regression because it has no
 * learning rate to tune, reaches the exact optimum in a few passes over sparse data, and each
 * step is a closed-form update, so results do not drift with the epoch count. Its margins are not
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
  /** Per-label multiplier of C for rows of that label (class weighting). */
  classWeights?: Float64Array;
}

export interface SvmEpoch {
  epoch: number;
  /** Mean squared hinge loss over rows and labels, measured during the pass. */
  loss: number;
  model: LinearModel;
}

export interface SvmResult {
  model: LinearModel;
  /** Dual variables, rows × labels, for warm-starting a fit with another C. */
  alpha: Float64Array;
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

/** A seeded generator; a few outputs are discarded first because xoroshiro's first draws echo the seed. */
function seededRng(seed: number) {
  const rng = xoroshiro128plus(seed);
  for (let i = 0; i < 32; i++) rng.next();
  return rng;
}

/**
 * Fits on `rows` of `x` (a subset, so a holdout needs no copy). `warmStart` is a previous fit's
 * `alpha` over the same rows: any non-negative alpha is feasible for every C, so it is a valid
 * and usually close starting point when trying several values of C.
 */
export function trainLinearSvm(
  x: SparseRows,
  y: Int32Array,
  rows: Int32Array,
  shape: { classes: number; features: number },
  options: SvmOptions,
  hooks: { warmStart?: Float64Array; onEpoch?: (epoch: SvmEpoch) => void } = {},
): SvmResult {
  const { classes, features } = shape;
  const model: LinearModel = { classes, features, weights: new Float64Array(features * classes), bias: new Float64Array(classes) };
  const { weights, bias } = model;
  const { offsets, indices, values } = x;
  const n = rows.length;
  const alpha = hooks.warmStart ? Float64Array.from(hooks.warmStart) : new Float64Array(n * classes);
  const squaredNorm = new Float64Array(n);
  const diagonal = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    let norm = BIAS * BIAS;
    for (let p = offsets[row]!; p < offsets[row + 1]!; p++) norm += values[p]! * values[p]!;
    squaredNorm[r] = norm;
    // The squared hinge's dual adds 1 / (2C) to the diagonal instead of bounding alpha by C.
    diagonal[r] = 1 / (2 * options.regularization * (options.classWeights?.[y[row]!] ?? 1));
  }
  if (hooks.warmStart) {
    for (let r = 0; r < n; r++) {
      const row = rows[r]!;
      for (let k = 0; k < classes; k++) {
        const step = alpha[r * classes + k]! * (y[row] === k ? 1 : -1);
        if (step === 0) continue;
        for (let p = offsets[row]!; p < offsets[row + 1]!; p++) weights[indices[p]! * classes + k]! += step * values[p]!;
        bias[k]! += step * BIAS;
      }
    }
  }

  const rng = seededRng(options.seed);
  const order = Int32Array.from({ length: n }, (_, r) => r);
  const scores = new Float64Array(classes);
  const steps = new Float64Array(classes);
  let epoch = 0;
  let loss = 0;
  while (epoch < options.epochs) {
    epoch++;
    for (let i = n - 1; i > 0; i--) {
      const j = uniformInt(rng, 0, i);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    let gradientMax = -Infinity;
    let gradientMin = Infinity;
    let lossSum = 0;
    for (let o = 0; o < n; o++) {
      const r = order[o]!;
      const row = rows[r]!;
      const start = offsets[row]!;
      const end = offsets[row + 1]!;
      for (let k = 0; k < classes; k++) scores[k] = bias[k]! * BIAS;
      for (let p = start; p < end; p++) {
        const base = indices[p]! * classes;
        const value = values[p]!;
        for (let k = 0; k < classes; k++) scores[k]! += value * weights[base + k]!;
      }
      const label = y[row]!;
      const d = diagonal[r]!;
      const q = squaredNorm[r]! + d;
      let moved = false;
      for (let k = 0; k < classes; k++) {
        const sign = k === label ? 1 : -1;
        const margin = sign * scores[k]!;
        if (margin < 1) lossSum += (1 - margin) * (1 - margin);
        const at = r * classes + k;
        const a = alpha[at]!;
        const gradient = margin - 1 + a * d;
        const projected = a === 0 ? Math.min(gradient, 0) : gradient;
        if (projected > gradientMax) gradientMax = projected;
        if (projected < gradientMin) gradientMin = projected;
        steps[k] = 0;
        if (Math.abs(projected) > 1e-12) {
          const next = Math.max(a - gradient / q, 0);
          alpha[at] = next;
          steps[k] = (next - a) * sign;
          if (steps[k] !== 0) moved = true;
        }
      }
      if (!moved) continue;
      for (let p = start; p < end; p++) {
        const base = indices[p]! * classes;
        const value = values[p]!;
        for (let k = 0; k < classes; k++) weights[base + k]! += steps[k]! * value;
      }
      for (let k = 0; k < classes; k++) bias[k]! += steps[k]! * BIAS;
    }
    loss = n > 0 ? lossSum / (n * classes) : 0;
    hooks.onEpoch?.({ epoch, loss, model });
    if (gradientMax - gradientMin <= options.tolerance) break;
  }
  return { model, alpha, epochs: epoch, loss };
}

/** Margins of one sparse vector for every label, into `out`. */
export function scoreVector(model: LinearScorer, indices: ArrayLike<number>, values: ArrayLike<number>, out: Float64Array): Float64Array {
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
