import type { CascadeStageMetrics } from './cascade-stage-metrics.js';
import { brierScore, expectedCalibrationError, logLoss, type ReliabilityBin, reliabilityBins } from './calibration.js';
import { classificationReport, type AverageScores } from './classification-report.js';
import { confusionMatrix } from './confusion-matrix.js';
import { costPerThousand, summariseUsage } from './cost.js';
import { labelIndex } from './inputs.js';
import { latencyPercentiles } from './latency.js';
import { goodVsBadAccuracy, oneOffAccuracy } from './ordinal.js';

/**
 * Every metric for one model's predictions on a held-out set, in one plain JSON-ready object
 * (snake_case keys, null instead of NaN) that is stored as-is and served by the API.
 */

/** The error a cascade's withheld row carries (see routing/cascade-composition). */
export const ABSTAINED_ERROR = 'abstained';

export interface EvaluationRow {
  trueLabel: string;
  /** The label the model answered; null when the answer named no label. */
  predicted: string | null;
  probabilities: Record<string, number> | null;
  latencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  /** Set when the call failed; the row then counts as a wrong prediction. */
  error: string | null;
}

export interface EvaluationInput {
  labels: string[];
  /** Rank of each label, for ordinal tasks (ratings, severities). */
  order?: Record<string, number>;
  /** Ranks at or above this are "good"; needs `order`. */
  goodThreshold?: number;
  /** The label whose rank is goodThreshold, shown with it. */
  goodThresholdLabel?: string;
  rows: EvaluationRow[];
}

interface AverageJson {
  precision: number;
  recall: number;
  f1_score: number;
  support: number;
}

export interface EvaluationMetrics {
  rows: number;
  /** Rows whose call errored or whose answer named no label. */
  failed_predictions: number;
  /** Rows that answered a label outside the task's labels (also wrong). */
  unknown_predictions: number;
  /**
   * Of `failed_predictions`, the rows a cascade withheld on purpose (error `abstained`): wrong in
   * every score, but not failures of a model. Absent in metrics stored before cascades.
   */
  abstained_predictions?: number;
  /** Rows are true labels, columns predictions, both in `labels` order; see confusionMatrix. */
  confusion_matrix: { labels: string[]; matrix: number[][] };
  /** scikit-learn's classification_report(zero_division=0) with failures counted as wrong. */
  report: {
    labels: ({ label: string } & AverageJson)[];
    accuracy: number | null;
    macro_avg: AverageJson;
    weighted_avg: AverageJson;
    total: number;
  };
  /** Present when the task gave label ranks. */
  ordinal: {
    one_off_accuracy: number | null;
    /** Rank from which labels are good; null when the task sets no threshold. */
    good_threshold: number | null;
    /** The lowest label counted as good. */
    good_threshold_label: string | null;
    good_vs_bad_accuracy: number | null;
  } | null;
  /** Present when at least one row has probabilities; rows without them are excluded and counted. */
  calibration: {
    log_loss: number | null;
    brier_score: number | null;
    expected_calibration_error: number | null;
    ece_bins: number;
    /** The ECE's bins, for a reliability diagram (absent from evaluations made before they were kept). */
    reliability: ReliabilityBin[];
    rows_scored: number;
    rows_excluded: number;
  } | null;
  /** Over rows with a recorded latency, failed calls included: their wait is real too. */
  latency_ms: { p50: number; p95: number; p99: number; mean: number; max: number; rows: number } | null;
  usage: {
    calls: number;
    input_tokens: number;
    output_tokens: number;
    mean_input_tokens: number | null;
    mean_output_tokens: number | null;
    cost_usd: number | null;
    unpriced_calls: number;
    /** Null when any call is unpriced: a partial total would understate it. */
    cost_per_1000: number | null;
  };
  /** A cascade's evaluation only: which stage answered how many rows, and how well. */
  cascade?: CascadeStageMetrics;
}

const ECE_BINS = 10;

const averageJson = (scores: AverageScores): AverageJson => ({
  precision: scores.precision,
  recall: scores.recall,
  f1_score: scores.f1,
  support: scores.support,
});

function checkInput(input: EvaluationInput): void {
  const index = labelIndex('evaluatePredictions', input.labels);
  for (const row of input.rows) {
    if (!index.has(row.trueLabel))
      throw new RangeError(`evaluatePredictions: true label "${row.trueLabel}" is not one of the labels`);
  }
  if (input.order !== undefined) {
    for (const label of input.labels) {
      const rank = Object.hasOwn(input.order, label) ? input.order[label] : undefined;
      if (rank === undefined || !Number.isFinite(rank))
        throw new RangeError(`evaluatePredictions: label "${label}" has no rank in order`);
    }
  }
  if (input.goodThreshold !== undefined && input.order === undefined) {
    throw new RangeError('evaluatePredictions: goodThreshold needs order');
  }
}

export function evaluatePredictions(input: EvaluationInput): EvaluationMetrics {
  checkInput(input);
  const { labels, rows } = input;
  const known = new Set(labels);
  const failed = (row: EvaluationRow): boolean => row.error !== null || row.predicted === null;
  const yTrue = rows.map((row) => row.trueLabel);
  // An errored call's answer or probabilities, if any came back, are not trusted.
  const yPred = rows.map((row) => (failed(row) ? null : row.predicted));
  const probabilities = rows.map((row) => (row.error === null ? row.probabilities : null));

  const report = classificationReport(yTrue, yPred, labels);

  let calibration: EvaluationMetrics['calibration'] = null;
  if (probabilities.some((p) => p !== null)) {
    const loss = logLoss(yTrue, probabilities, labels);
    calibration = {
      log_loss: loss.value,
      brier_score: brierScore(yTrue, probabilities, labels).value,
      expected_calibration_error: expectedCalibrationError(yTrue, probabilities, labels, ECE_BINS).value,
      ece_bins: ECE_BINS,
      reliability: reliabilityBins(yTrue, probabilities, labels, ECE_BINS).bins,
      rows_scored: loss.rows,
      rows_excluded: loss.excluded,
    };
  }

  const latencies = rows.flatMap((row) => (row.latencyMs === null ? [] : [row.latencyMs]));
  const latency = latencyPercentiles(latencies);

  const usage = summariseUsage(rows);
  const { order, goodThreshold, goodThresholdLabel } = input;

  return {
    rows: rows.length,
    failed_predictions: rows.filter(failed).length,
    abstained_predictions: rows.filter((row) => row.error === ABSTAINED_ERROR).length,
    unknown_predictions: yPred.filter((p) => p !== null && !known.has(p)).length,
    confusion_matrix: { labels: [...labels], matrix: confusionMatrix(yTrue, yPred, labels) },
    report: {
      labels: report.labels.map(({ label, ...scores }) => ({ label, ...averageJson(scores) })),
      accuracy: report.accuracy,
      macro_avg: averageJson(report.macro),
      weighted_avg: averageJson(report.weighted),
      total: report.total,
    },
    ordinal:
      order === undefined
        ? null
        : {
            one_off_accuracy: oneOffAccuracy(yTrue, yPred, order),
            good_threshold: goodThreshold ?? null,
            good_threshold_label: goodThreshold === undefined ? null : (goodThresholdLabel ?? null),
            good_vs_bad_accuracy:
              goodThreshold === undefined ? null : goodVsBadAccuracy(yTrue, yPred, order, goodThreshold),
          },
    calibration,
    latency_ms: latency === null ? null : { ...latency, rows: latencies.length },
    usage: {
      calls: usage.calls,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      mean_input_tokens: usage.meanInputTokens,
      mean_output_tokens: usage.meanOutputTokens,
      cost_usd: usage.costUsd,
      unpriced_calls: usage.unpricedCalls,
      cost_per_1000:
        usage.unpricedCalls > 0 || usage.costUsd === null ? null : costPerThousand(usage.costUsd, usage.calls),
    },
  };
}
