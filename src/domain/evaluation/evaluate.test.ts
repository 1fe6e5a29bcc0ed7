import { describe, expect, it } from 'vitest';
import { evaluatePredictions, type EvaluationRow } from './evaluate.js';

const row = (overrides: Partial<EvaluationRow> & Pick<EvaluationRow, 'trueLabel'>): EvaluationRow => ({
  predicted: overrides.trueLabel,
  probabilities: null,
  latencyMs: null,
  inputTokens: 50,
  outputTokens: 1,
  costUsd: 0.001,
  error: null,
  ...overrides,
});

const rows: EvaluationRow[] = [
  row({ trueLabel: 'neg', predicted: 'neg', probabilities: { neg: 0.9, pos: 0.1 }, latencyMs: 100 }),
  row({ trueLabel: 'neg', predicted: 'pos', probabilities: { neg: 0.4, pos: 0.6 }, latencyMs: 200 }),
  row({ trueLabel: 'pos', predicted: 'pos', probabilities: { neg: 0.2, pos: 0.8 }, latencyMs: 300, inputTokens: 60 }),
  // A failed call: whatever came back is ignored, its latency and tokens still count.
  row({
    trueLabel: 'pos',
    predicted: 'pos',
    probabilities: { neg: 0, pos: 1 },
    latencyMs: 5000,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    error: 'timeout',
  }),
  row({
    trueLabel: 'pos',
    predicted: 'maybe',
    probabilities: { neg: 0.5, pos: 0.5 },
    inputTokens: 55,
    outputTokens: 2,
  }),
  row({ trueLabel: 'pos', predicted: 'pos', latencyMs: 150 }),
];

describe('evaluatePredictions', () => {
  const metrics = evaluatePredictions({ labels: ['neg', 'pos'], rows });

  it('counts failed and unknown predictions as wrong and keeps them out of the matrix', () => {
    expect(metrics.rows).toBe(6);
    expect(metrics.failed_predictions).toBe(1);
    expect(metrics.unknown_predictions).toBe(1);
    expect(metrics.confusion_matrix).toEqual({
      labels: ['neg', 'pos'],
      matrix: [
        [1, 1],
        [0, 2],
      ],
    });
  });

  it('reports scikit-learn’s per-label scores and averages', () => {
    const [neg, pos] = metrics.report.labels;
    expect(neg).toEqual({ label: 'neg', precision: 1, recall: 0.5, f1_score: 2 / 3, support: 2 });
    expect(pos!.label).toBe('pos');
    expect(pos!.precision).toBeCloseTo(2 / 3, 12);
    expect(pos!.recall).toBe(0.5);
    expect(pos!.f1_score).toBeCloseTo(4 / 7, 12);
    expect(metrics.report.accuracy).toBe(0.5);
    expect(metrics.report.macro_avg.f1_score).toBeCloseTo((2 / 3 + 4 / 7) / 2, 12);
    expect(metrics.report.weighted_avg.f1_score).toBeCloseTo((2 * (2 / 3) + 4 * (4 / 7)) / 6, 12);
    expect(metrics.report.total).toBe(6);
  });

  it('scores calibration on rows with probabilities only', () => {
    expect(metrics.calibration).not.toBeNull();
    const calibration = metrics.calibration!;
    expect(calibration.rows_scored).toBe(4);
    expect(calibration.rows_excluded).toBe(2);
    expect(calibration.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.8) + Math.log(0.5)) / 4, 12);
    expect(calibration.brier_score).toBeCloseTo((0.02 + 0.72 + 0.08 + 0.5) / 4, 12);
    // Every scored row is alone in its bin: (|1 − 0.9| + |0 − 0.6| + |1 − 0.8| + |0 − 0.5|) / 4
    expect(calibration.expected_calibration_error).toBeCloseTo(0.35, 12);
    expect(calibration.ece_bins).toBe(10);
  });

  it('summarises latency over rows that recorded one, failures included', () => {
    const latency = metrics.latency_ms!;
    expect(latency.rows).toBe(5);
    expect(latency.p50).toBe(200);
    expect(latency.p95).toBeCloseTo(300 + 0.8 * 4700, 9);
    expect(latency.mean).toBe(1150);
    expect(latency.max).toBe(5000);
  });

  it('totals usage over every call', () => {
    expect(metrics.usage).toMatchObject({ calls: 6, input_tokens: 265, output_tokens: 6, unpriced_calls: 0 });
    expect(metrics.usage.cost_usd).toBeCloseTo(0.005, 15);
    expect(metrics.usage.cost_per_1000).toBeCloseTo((0.005 / 6) * 1000, 12);
    expect(metrics.usage.mean_input_tokens).toBeCloseTo(265 / 6, 12);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
    expect(metrics.ordinal).toBeNull();
  });

  it('adds ordinal metrics when ranks are given', () => {
    const order = { '1': 1, '2': 2, '3': 3, '4': 4, '5': 5 };
    const result = evaluatePredictions({
      labels: ['1', '2', '3', '4', '5'],
      order,
      goodThreshold: 4,
      rows: [
        row({ trueLabel: '5', predicted: '4' }),
        row({ trueLabel: '4', predicted: '2' }),
        row({ trueLabel: '1', predicted: '1' }),
        row({ trueLabel: '2', predicted: null, error: 'unparseable' }),
      ],
    });
    // Within one step: rows 1 and 3. Same side of 4: rows 1 and 3 (row 2 is good → bad, row 4 failed).
    expect(result.ordinal).toEqual({
      one_off_accuracy: 0.5,
      good_threshold: 4,
      good_threshold_label: null,
      good_vs_bad_accuracy: 0.5,
    });
    expect(result.calibration).toBeNull();
    expect(result.latency_ms).toBeNull();
  });

  it('leaves cost per 1,000 out when any call is unpriced', () => {
    const result = evaluatePredictions({
      labels: ['a', 'b'],
      rows: [row({ trueLabel: 'a' }), row({ trueLabel: 'b', costUsd: null })],
    });
    expect(result.usage.cost_usd).toBe(0.001);
    expect(result.usage.unpriced_calls).toBe(1);
    expect(result.usage.cost_per_1000).toBeNull();
  });

  it('handles an empty evaluation', () => {
    const result = evaluatePredictions({ labels: ['a', 'b'], rows: [] });
    expect(result.report.accuracy).toBeNull();
    expect(result.usage.cost_per_1000).toBeNull();
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('rejects true labels outside the labels, incomplete ranks and a threshold without ranks', () => {
    expect(() => evaluatePredictions({ labels: ['a'], rows: [row({ trueLabel: 'z' })] })).toThrow(RangeError);
    expect(() => evaluatePredictions({ labels: ['a', 'b'], order: { a: 1 }, rows: [] })).toThrow(RangeError);
    expect(() => evaluatePredictions({ labels: ['a', 'b'], goodThreshold: 1, rows: [] })).toThrow(RangeError);
  });
});
