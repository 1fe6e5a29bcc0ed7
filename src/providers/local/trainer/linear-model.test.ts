import { describe, expect, it } from 'vitest';
import { fitTemperature, logLoss, softmaxInto } from './calibration.js';
import type { SparseRows } from './sparse-rows.js';
import { scoreRows, trainLinearSvm } from './linear-model.js';
import { accuracy, argmaxRows, macroF1 } from './selection-metrics.js';

/** One feature per label, plus a shared noise feature: linearly separable. */
function separable(rows: number, classes: number): { x: SparseRows; y: Int32Array } {
  const offsets = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = r % classes;
    indices.push(r % classes, classes);
    values.push(0.9, Math.sqrt(1 - 0.81));
    offsets[r + 1] = indices.length;
  }
  return { x: { offsets, indices: Int32Array.from(indices), values: Float32Array.from(values) }, y };
}

describe('trainLinearSvm', () => {
  const { x, y } = separable(60, 3);
  const rows = Int32Array.from({ length: 60 }, (_, r) => r);
  const shape = { classes: 3, features: 4 };

  it('separates separable data, converging before the epoch cap', () => {
    const losses: number[] = [];
    const fit = trainLinearSvm(
      x,
      y,
      rows,
      shape,
      { regularization: 1, epochs: 100, tolerance: 0.01, seed: 1 },
      { onEpoch: (epoch) => losses.push(epoch.loss) },
    );
    expect(fit.epochs).toBeLessThan(100);
    expect(losses).toHaveLength(fit.epochs);
    expect(accuracy(y, argmaxRows(scoreRows(fit.model, x, rows), 3))).toBe(1);
  });

  it('is deterministic for a seed and continues from a warm start', () => {
    const options = { regularization: 1, epochs: 3, tolerance: 0.01, seed: 5 };
    const a = trainLinearSvm(x, y, rows, shape, options);
    const b = trainLinearSvm(x, y, rows, shape, options);
    expect(Array.from(a.model.weights)).toEqual(Array.from(b.model.weights));
    const continued = trainLinearSvm(x, y, rows, shape, { ...options, epochs: 100 }, { warmStart: a.state });
    const cold = trainLinearSvm(x, y, rows, shape, { ...options, epochs: 100 });
    expect(continued.loss).toBeCloseTo(cold.loss, 2);
  });
});

describe('calibration', () => {
  it('softmax sums to 1 and the fitted temperature lowers the log loss', () => {
    const scores = Float64Array.from([2, -1, -1, -1, 2, -1, 2, -1, -1, -1, -1, 2]);
    const truth = Int32Array.from([0, 1, 1, 2]);
    const out = softmaxInto(scores, 0, 3, 0.5, new Float64Array(3));
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const temperature = fitTemperature(scores, truth, 3);
    expect(logLoss(scores, truth, 3, temperature)).toBeLessThanOrEqual(logLoss(scores, truth, 3, 1));
    expect(fitTemperature(new Float64Array(0), new Int32Array(0), 3)).toBe(1);
  });
});

describe('selection metrics', () => {
  it('computes macro-F1 as scikit-learn does, over labels present in truth or predictions', () => {
    // Truth a a b c, predicted a b b b: F1(a) = 2/3, F1(b) = 2/4, F1(c) = 0; label d absent.
    expect(macroF1([0, 0, 1, 2], [0, 1, 1, 1], 4)).toBeCloseTo((2 / 3 + 0.5 + 0) / 3, 12);
    expect(accuracy([0, 0, 1, 2], [0, 1, 1, 1])).toBe(0.5);
  });
});
