import { describe, expect, it } from 'vitest';
import { classificationReport, type ClassificationReport } from './classification-report.js';

/** Rows reproducing a confusion matrix (true label by row, prediction by column). */
function fromMatrix(matrix: number[][], labels: string[]): { yTrue: string[]; yPred: string[] } {
  const yTrue: string[] = [];
  const yPred: string[] = [];
  for (const [i, cells] of matrix.entries()) {
    for (const [j, count] of cells.entries()) {
      for (let k = 0; k < count; k++) {
        yTrue.push(labels[i]!);
        yPred.push(labels[j]!);
      }
    }
  }
  return { yTrue, yPred };
}

function expectScores(
  report: ClassificationReport,
  label: string,
  expected: { precision: number; recall: number; f1: number; support: number },
) {
  const row = report.labels.find((r) => r.label === label);
  expect(row).toBeDefined();
  expect(row!.precision).toBeCloseTo(expected.precision, 12);
  expect(row!.recall).toBeCloseTo(expected.recall, 12);
  expect(row!.f1).toBeCloseTo(expected.f1, 12);
  expect(row!.support).toBe(expected.support);
}

describe('classificationReport', () => {
  it('matches the hand-computed two-class case [[5, 2], [1, 22]]', () => {
    const { yTrue, yPred } = fromMatrix(
      [
        [5, 2],
        [1, 22],
      ],
      ['neg', 'pos'],
    );
    const report = classificationReport(yTrue, yPred, ['neg', 'pos']);
    // neg: TP 5, predicted 5 + 1 = 6, support 7. pos: TP 22, predicted 2 + 22 = 24, support 23.
    expectScores(report, 'neg', { precision: 5 / 6, recall: 5 / 7, f1: 10 / 13, support: 7 });
    expectScores(report, 'pos', { precision: 22 / 24, recall: 22 / 23, f1: 44 / 47, support: 23 });
    expect(report.labels[0]!.precision).toBeCloseTo(0.8333, 4);
    expect(report.labels[1]!.precision).toBeCloseTo(0.9167, 4);
    expect(report.labels[0]!.recall).toBeCloseTo(0.7143, 4);
    expect(report.labels[1]!.recall).toBeCloseTo(0.9565, 4);
    expect(report.labels[0]!.f1).toBeCloseTo(0.7692, 4);
    expect(report.labels[1]!.f1).toBeCloseTo(0.9362, 4);
    expect(report.accuracy).toBeCloseTo(27 / 30, 12);
    // macro F1 = (10/13 + 44/47) / 2 = 1042 / 1222 ≈ 0.8527
    expect(report.macro.f1).toBeCloseTo(1042 / 1222, 12);
    expect(report.macro.precision).toBeCloseTo((5 / 6 + 22 / 24) / 2, 12);
    expect(report.macro.recall).toBeCloseTo((5 / 7 + 22 / 23) / 2, 12);
    // weighted F1 = (7 · 10/13 + 23 · 44/47) / 30 = 16446 / 18330 ≈ 0.8972
    expect(report.weighted.f1).toBeCloseTo(16446 / 18330, 12);
    expect(report.weighted.f1).toBeCloseTo(0.8972, 4);
    expect(report.weighted.precision).toBeCloseTo((7 * (5 / 6) + 23 * (22 / 24)) / 30, 12);
    // Support-weighted recall is always accuracy when every prediction is a listed label.
    expect(report.weighted.recall).toBeCloseTo(0.9, 12);
    expect(report.macro.support).toBe(30);
    expect(report.weighted.support).toBe(30);
    expect(report.total).toBe(30);
  });

  it('matches the scikit-learn docstring example', () => {
    const labels = ['class 0', 'class 1', 'class 2'];
    const yTrue = [0, 1, 2, 2, 2].map((i) => labels[i]!);
    const yPred = [0, 0, 2, 2, 1].map((i) => labels[i]!);
    const report = classificationReport(yTrue, yPred, labels);
    expectScores(report, 'class 0', { precision: 1 / 2, recall: 1, f1: 2 / 3, support: 1 });
    expectScores(report, 'class 1', { precision: 0, recall: 0, f1: 0, support: 1 });
    expectScores(report, 'class 2', { precision: 1, recall: 2 / 3, f1: 4 / 5, support: 3 });
    expect(report.accuracy).toBeCloseTo(0.6, 12);
    expect(report.macro.precision).toBeCloseTo(0.5, 12);
    expect(report.macro.recall).toBeCloseTo(5 / 9, 12);
    expect(report.macro.f1).toBeCloseTo(22 / 45, 12);
    expect(report.weighted.precision).toBeCloseTo(0.7, 12);
    expect(report.weighted.recall).toBeCloseTo(0.6, 12);
    expect(report.weighted.f1).toBeCloseTo((2 / 3 + 3 * 0.8) / 5, 12);
  });

  it('gives a class that is never predicted precision 0 (zero_division=0)', () => {
    const report = classificationReport(['a', 'a', 'b', 'b', 'c'], ['a', 'a', 'a', 'b', 'a'], ['a', 'b', 'c']);
    expectScores(report, 'a', { precision: 2 / 4, recall: 1, f1: (2 * 2) / (2 + 4), support: 2 });
    expectScores(report, 'b', { precision: 1, recall: 1 / 2, f1: 2 / 3, support: 2 });
    expectScores(report, 'c', { precision: 0, recall: 0, f1: 0, support: 1 });
    expect(report.accuracy).toBeCloseTo(3 / 5, 12);
    expect(report.macro.precision).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(report.macro.f1).toBeCloseTo((2 / 3 + 2 / 3 + 0) / 3, 12);
    expect(report.weighted.precision).toBeCloseTo((2 * 0.5 + 2 * 1 + 0) / 5, 12);
  });

  it('gives a class that never occurs recall 0 and still averages it into macro', () => {
    const report = classificationReport(['x', 'x', 'y', 'y'], ['x', 'z', 'y', 'y'], ['x', 'y', 'z']);
    expectScores(report, 'x', { precision: 1, recall: 1 / 2, f1: 2 / 3, support: 2 });
    expectScores(report, 'y', { precision: 1, recall: 1, f1: 1, support: 2 });
    // z was predicted once, wrongly: precision 0 / 1 = 0; recall has no true samples → 0.
    expectScores(report, 'z', { precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.macro.precision).toBeCloseTo(2 / 3, 12);
    expect(report.macro.recall).toBeCloseTo(1 / 2, 12);
    expect(report.macro.f1).toBeCloseTo(5 / 9, 12);
    // z has weight 0 in the weighted average.
    expect(report.weighted.precision).toBeCloseTo(1, 12);
    expect(report.weighted.recall).toBeCloseTo(3 / 4, 12);
    expect(report.weighted.f1).toBeCloseTo((2 * (2 / 3) + 2 * 1) / 4, 12);
    expect(report.weighted.support).toBe(4);
  });

  it('gives F1 0 to a class neither present nor predicted', () => {
    const report = classificationReport(['a', 'a'], ['a', 'a'], ['a', 'b']);
    expectScores(report, 'b', { precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.macro.f1).toBe(0.5);
    expect(report.weighted.f1).toBe(1);
  });

  it('matches the scikit-learn docstring case with a prediction outside the labels (labels=[1, 2, 3])', () => {
    const report = classificationReport(['1', '1', '1'], ['1', '1', '0'], ['1', '2', '3']);
    expectScores(report, '1', { precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expectScores(report, '2', { precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.macro.precision).toBeCloseTo(1 / 3, 12);
    expect(report.macro.recall).toBeCloseTo(2 / 9, 12);
    expect(report.macro.f1).toBeCloseTo(0.8 / 3, 12);
    expect(report.weighted.f1).toBeCloseTo(0.8, 12);
    expect(report.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('counts failed (null) predictions as wrong without charging any label a false positive', () => {
    const report = classificationReport(['a', 'a', 'b', 'b'], ['a', null, 'b', null], ['a', 'b']);
    expectScores(report, 'a', { precision: 1, recall: 1 / 2, f1: 2 / 3, support: 2 });
    expectScores(report, 'b', { precision: 1, recall: 1 / 2, f1: 2 / 3, support: 2 });
    expect(report.accuracy).toBe(0.5);
    expect(report.total).toBe(4);
  });

  it('reports null accuracy and zero averages for no rows', () => {
    const report = classificationReport([], [], ['a', 'b']);
    expect(report.accuracy).toBeNull();
    expect(report.total).toBe(0);
    expect(report.macro).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.weighted).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('rejects mismatched lengths', () => {
    expect(() => classificationReport(['a'], ['a', 'a'], ['a'])).toThrow(RangeError);
  });
});
