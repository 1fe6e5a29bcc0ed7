import type { ResponseBody } from '@tuneline/client';

export type Evaluation = ResponseBody<'/v1/evaluations/{evaluation}'>;

interface Average {
  precision: number;
  recall: number;
  f1_score: number;
  support: number;
}

/**
 * The metrics an evaluation stores (src/domain/evaluation/evaluate.ts). The API serves them as a
 * loose object, since their keys grew over time; this is the shape the console reads, every part
 * optional so an older evaluation's metrics still render.
 */
export interface EvaluationMetrics {
  rows?: number;
  failed_predictions?: number;
  unknown_predictions?: number;
  abstained_predictions?: number;
  confusion_matrix?: { labels: string[]; matrix: number[][] };
  report?: {
    labels: ({ label: string } & Average)[];
    accuracy: number | null;
    macro_avg: Average;
    weighted_avg: Average;
    total: number;
  };
  calibration?: {
    log_loss: number | null;
    brier_score: number | null;
    expected_calibration_error: number | null;
    ece_bins: number;
    /** The ECE's bins as the API computed them; absent from evaluations made before it kept them. */
    reliability?: {
      lower: number;
      upper: number;
      rows: number;
      accuracy: number | null;
      mean_confidence: number | null;
    }[];
    rows_scored: number;
    rows_excluded: number;
  } | null;
  latency_ms?: { p50: number; p95: number; p99: number; mean: number; max: number; rows: number } | null;
  usage?: {
    calls: number;
    input_tokens: number;
    output_tokens: number;
    mean_input_tokens: number | null;
    mean_output_tokens: number | null;
    cost_usd: number | null;
    unpriced_calls: number;
    cost_per_1000: number | null;
  };
}

export const metricsOf = (evaluation: { metrics: Record<string, unknown> | null }): EvaluationMetrics =>
  (evaluation.metrics ?? {}) as EvaluationMetrics;

export const isLive = (status: Evaluation['status']): boolean => status === 'queued' || status === 'running';
