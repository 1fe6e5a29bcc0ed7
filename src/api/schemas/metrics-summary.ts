import type { EvaluationMetrics } from '../../domain/evaluation/evaluate.js';

/** An evaluation's headline figures, as the leaderboard and a model's latest evaluations show them. */
export const metricsSummary = (metrics: EvaluationMetrics) => ({
  accuracy: metrics.report.accuracy,
  macro_f1: metrics.report.macro_avg.f1_score,
  weighted_f1: metrics.report.weighted_avg.f1_score,
  cost_per_1000: metrics.usage.cost_per_1000,
  latency_ms: metrics.latency_ms,
});
