import { describe, expect, it } from 'vitest';
import { brierScore, expectedCalibrationError, logLoss, type ProbabilityRow, reliabilityBins } from './calibration.js';

describe('logLoss', () => {
  it('matches the scikit-learn docstring example (0.21616…)', () => {
    const result = logLoss(
      ['spam', 'ham', 'ham', 'spam'],
      [
        { ham: 0.1, spam: 0.9 },
        { ham: 0.9, spam: 0.1 },
        { ham: 0.8, spam: 0.2 },
        { ham: 0.35, spam: 0.65 },
      ],
      ['ham', 'spam'],
    );
    expect(result.value).toBeCloseTo(-(Math.log(0.9) + Math.log(0.9) + Math.log(0.8) + Math.log(0.65)) / 4, 12);
    expect(result.value).toBeCloseTo(0.21616, 5);
    expect(result).toMatchObject({ rows: 4, excluded: 0 });
  });

  it('renormalises rows that sum to less than 1 before taking the log', () => {
    // 0.3 / (0.3 + 0.3) = 0.5, and 0.6 / (0.6 + 0.2 + 0.1) = 2/3
    const result = logLoss(
      ['a', 'a'],
      [
        { a: 0.3, b: 0.3, c: 0 },
        { a: 0.6, b: 0.2, c: 0.1 },
      ],
      ['a', 'b', 'c'],
    );
    const eps = 1e-15;
    expect(result.value).toBeCloseTo((-Math.log(0.3 / (0.6 + eps)) - Math.log(0.6 / (0.9 + eps))) / 2, 12);
  });

  it('clips certain misses to eps so the loss stays finite', () => {
    const result = logLoss(['a'], [{ a: 0, b: 1 }], ['a', 'b']);
    expect(result.value).toBeCloseTo(-Math.log(1e-15), 6); // ≈ 34.5388
    expect(logLoss(['a'], [{ a: 0, b: 1 }], ['a', 'b'], 1e-7).value).toBeCloseTo(-Math.log(1e-7), 6);
  });

  it('treats a label missing from a row as probability 0 and ignores unknown keys', () => {
    const result = logLoss(['b'], [{ a: 0.5, other: 0.5 }], ['a', 'b']);
    expect(result.value).toBeCloseTo(-Math.log(1e-15 / (0.5 + 1e-15)), 6);
  });

  it('excludes rows without probabilities and counts them', () => {
    const result = logLoss(['a', 'b', 'a'], [{ a: 0.8, b: 0.2 }, null, {}], ['a', 'b']);
    expect(result).toEqual({ value: -Math.log(0.8), rows: 1, excluded: 2 });
    expect(logLoss(['a'], [null], ['a', 'b'])).toEqual({ value: null, rows: 0, excluded: 1 });
  });

  it('rejects probabilities outside [0, 1], unknown true labels and bad eps', () => {
    expect(() => logLoss(['a'], [{ a: 1.2, b: 0 }], ['a', 'b'])).toThrow(RangeError);
    expect(() => logLoss(['a'], [{ a: Number.NaN, b: 0 }], ['a', 'b'])).toThrow(RangeError);
    expect(() => logLoss(['z'], [{ a: 1, b: 0 }], ['a', 'b'])).toThrow(RangeError);
    expect(() => logLoss(['a'], [{ a: 1, b: 0 }], ['a', 'b'], 0)).toThrow(RangeError);
    expect(() => logLoss(['a'], [], ['a', 'b'])).toThrow(RangeError);
  });
});

describe('brierScore', () => {
  it('sums squared errors over labels and averages over rows', () => {
    const result = brierScore(
      ['a', 'b', 'c'],
      [
        { a: 0.7, b: 0.2, c: 0.1 }, // 0.09 + 0.04 + 0.01 = 0.14
        { a: 0.2, b: 0.5, c: 0.3 }, // 0.04 + 0.25 + 0.09 = 0.38
        { a: 0.1, b: 0.1, c: 0.8 }, // 0.01 + 0.01 + 0.04 = 0.06
      ],
      ['a', 'b', 'c'],
    );
    expect(result.value).toBeCloseTo(0.58 / 3, 12);
  });

  it('is twice the binary brier_score_loss for two labels', () => {
    const yTrue = ['pos', 'neg', 'pos', 'neg'];
    const pPos = [0.8, 0.3, 0.4, 0.1];
    const binary = pPos.reduce((sum, p, i) => sum + ((yTrue[i] === 'pos' ? 1 : 0) - p) ** 2, 0) / pPos.length;
    const result = brierScore(
      yTrue,
      pPos.map((p) => ({ neg: 1 - p, pos: p })),
      ['neg', 'pos'],
    );
    expect(result.value).toBeCloseTo(2 * binary, 12);
  });

  it('is 0 for certain, correct predictions and 2 for certain, wrong ones', () => {
    expect(brierScore(['a'], [{ a: 1, b: 0 }], ['a', 'b']).value).toBe(0);
    expect(brierScore(['a'], [{ a: 0, b: 1 }], ['a', 'b']).value).toBe(2);
  });

  it('excludes rows without probabilities', () => {
    expect(brierScore(['a', 'b'], [null, { a: 0, b: 1 }], ['a', 'b'])).toEqual({ value: 0, rows: 1, excluded: 1 });
  });
});

describe('expectedCalibrationError', () => {
  it('weights each bin’s |accuracy − confidence| by its share of rows', () => {
    const result = expectedCalibrationError(
      ['a', 'b', 'a', 'b'],
      [
        { a: 0.95, b: 0.05 }, // conf 0.95, right  → bin (0.9, 1]
        { a: 0.92, b: 0.08 }, // conf 0.92, wrong  → bin (0.9, 1]
        { a: 0.65, b: 0.35 }, // conf 0.65, right  → bin (0.6, 0.7]
        { a: 0.45, b: 0.55 }, // conf 0.55, right  → bin (0.5, 0.6]
      ],
      ['a', 'b'],
    );
    // (2/4)·|0.5 − 0.935| + (1/4)·|1 − 0.65| + (1/4)·|1 − 0.55| = 0.2175 + 0.0875 + 0.1125
    expect(result.value).toBeCloseTo(0.4175, 12);
    expect(result).toMatchObject({ rows: 4, excluded: 0 });
  });

  it('puts a confidence on an inner edge in the lower bin, like calibration_curve', () => {
    const yTrue = ['a', 'b', 'a'];
    const probabilities = [
      { a: 0.5, b: 0.5 }, // tie → first label, right; conf 0.5 → bin [0, 0.5]
      { a: 0.9, b: 0.1 }, // wrong, bin (0.5, 1]
      { a: 0.6, b: 0.4 }, // right, bin (0.5, 1]
    ];
    // Lower bin: (1/3)·|1 − 0.5|; upper: (2/3)·|0.5 − 0.75|. Were 0.5 in the upper bin, ECE would be 0.
    expect(expectedCalibrationError(yTrue, probabilities, ['a', 'b'], 2).value).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 when confidence matches accuracy in every bin', () => {
    const yTrue = ['a', 'a', 'a', 'a', 'b'];
    const probabilities = yTrue.map(() => ({ a: 0.8, b: 0.2 }));
    expect(expectedCalibrationError(yTrue, probabilities, ['a', 'b']).value).toBeCloseTo(0, 12);
  });

  it('excludes rows without probabilities and rejects a bad bin count', () => {
    expect(expectedCalibrationError(['a', 'a'], [null, { a: 1, b: 0 }], ['a', 'b'])).toEqual({
      value: 0,
      rows: 1,
      excluded: 1,
    });
    expect(expectedCalibrationError(['a'], [null], ['a', 'b'])).toEqual({ value: null, rows: 0, excluded: 1 });
    expect(() => expectedCalibrationError([], [], ['a'], 0)).toThrow(RangeError);
  });
});

describe('reliabilityBins', () => {
  it('gives each bin its rows, accuracy and mean top probability, the parts of the ECE', () => {
    const yTrue = ['a', 'a', 'b', 'b', 'a'];
    const probabilities: ProbabilityRow[] = [
      { a: 0.95, b: 0.05 },
      { a: 0.55, b: 0.45 },
      { a: 0.6, b: 0.4 },
      { b: 0.9 },
      null,
    ];
    const { bins, rows, excluded } = reliabilityBins(yTrue, probabilities, ['a', 'b'], 2);
    expect({ rows, excluded }).toEqual({ rows: 4, excluded: 1 });
    // (0, 0.5] is empty; (0.5, 1] holds all four: right on rows 1, 2 and 4, top probabilities 0.95, 0.55, 0.6, 0.9.
    expect(bins[0]).toEqual({ lower: 0, upper: 0.5, rows: 0, accuracy: null, mean_confidence: null });
    expect(bins[1]).toMatchObject({ lower: 0.5, upper: 1, rows: 4, accuracy: 0.75 });
    expect(bins[1]!.mean_confidence).toBeCloseTo(0.75, 12);
    const ece = bins.reduce(
      (sum, bin) => sum + (bin.rows ? Math.abs(bin.accuracy! - bin.mean_confidence!) * (bin.rows / rows) : 0),
      0,
    );
    expect(expectedCalibrationError(yTrue, probabilities, ['a', 'b'], 2).value).toBeCloseTo(ece, 12);
  });
});
