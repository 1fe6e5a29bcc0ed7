import { seededRng, shuffleInPlace } from '../../../domain/seeded-rng.js';
import type { SvmState } from './linear-model.js';

/**
 * Which rows the trainer fits on and which it holds out. Rows are indices into the trainer's
 * matrix: training rows first (0..n), then validation rows.
 */
export interface HeldOutSplit {
  fit: Int32Array;
  held: Int32Array;
  /** Whether the model is fitted again on all training rows once C and the temperature are chosen. */
  refit: boolean;
}

/**
 * With validation rows, they are the held-out rows. Without, `fraction` of each label's training
 * rows (rounded; none from a label with a single row) are held out, chosen by a seeded shuffle.
 */
export function heldOutSplit(
  trainY: Int32Array,
  validationY: Int32Array,
  classes: number,
  fraction: number,
  seed: number,
): HeldOutSplit {
  const n = trainY.length;
  const all = Int32Array.from({ length: n }, (_, row) => row);
  if (validationY.length > 0) return { fit: all, held: Int32Array.from(validationY, (_, i) => n + i), refit: false };
  // A generator of its own: the SVM's shuffles draw from the same seed.
  const rng = seededRng(seed ^ 0x5eed);
  const byLabel: number[][] = Array.from({ length: classes }, () => []);
  for (const [row, label] of trainY.entries()) byLabel[label]!.push(row);
  const isHeld = new Uint8Array(n);
  for (const rows of byLabel) {
    shuffleInPlace(rows, rng);
    const count = rows.length > 1 ? Math.round(rows.length * fraction) : 0;
    for (const row of rows.slice(0, count)) isHeld[row] = 1;
  }
  const held = all.filter((row) => isHeld[row] === 1);
  return held.length === 0
    ? { fit: all, held, refit: false }
    : { fit: all.filter((row) => isHeld[row] === 0), held, refit: true };
}

/**
 * A fit's state over `rows` (a subset of 0..n) extended to all n rows. The others join with
 * alpha 0, which leaves the weights as they are, and active, so the next pass looks at them.
 */
export function withRows(state: SvmState, rows: Int32Array, n: number, classes: number): SvmState {
  const alpha = new Float64Array(n * classes);
  const active = new Uint8Array(n * classes).fill(1);
  const pairLoss = new Float64Array(n * classes).fill(1);
  rows.forEach((row, r) => {
    alpha.set(state.alpha.subarray(r * classes, (r + 1) * classes), row * classes);
    active.set(state.active.subarray(r * classes, (r + 1) * classes), row * classes);
    pairLoss.set(state.pairLoss.subarray(r * classes, (r + 1) * classes), row * classes);
  });
  return { ...state, alpha, active, pairLoss };
}
