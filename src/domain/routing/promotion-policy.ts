import type { EvaluationMetrics } from '../evaluation/evaluate.js';

export type RankingMetric = 'macro_f1' | 'accuracy' | 'weighted_f1' | 'one_off_accuracy';

export interface PromotionPolicy {
  metric: RankingMetric;
  /** The challenger must beat the champion by at least this much (absolute, on the metric). */
  minImprovement: number;
  /** Fewer test rows than this cannot justify a promotion. */
  minTestSize: number;
  autoPromote: boolean;
}

export function metricValue(metrics: EvaluationMetrics, metric: RankingMetric): number | null {
  switch (metric) {
    case 'macro_f1':
      return metrics.report.macro_avg.f1_score;
    case 'weighted_f1':
      return metrics.report.weighted_avg.f1_score;
    case 'accuracy':
      return metrics.report.accuracy;
    case 'one_off_accuracy':
      return metrics.ordinal?.one_off_accuracy ?? null;
  }
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  numbers: { metric: RankingMetric; challenger: number | null; champion: number | null; improvement: number | null; test_size: number };
}

/**
 * Whether a freshly evaluated model should replace the champion. Both must have been measured on
 * the same test rows (the caller finds the champion's evaluation on the same dataset version and
 * split); without a champion, any model with enough test rows and a score becomes champion.
 */
export function decidePromotion(input: {
  policy: PromotionPolicy;
  challenger: { metrics: EvaluationMetrics; retired: boolean; isChampion: boolean };
  champion: { metrics: EvaluationMetrics } | null;
}): PromotionDecision {
  const { policy, challenger, champion } = input;
  const score = metricValue(challenger.metrics, policy.metric);
  const best = champion ? metricValue(champion.metrics, policy.metric) : null;
  const improvement = score !== null && best !== null ? score - best : null;
  const numbers = { metric: policy.metric, challenger: score, champion: best, improvement, test_size: challenger.metrics.rows };
  const no = (reason: string): PromotionDecision => ({ promote: false, reason, numbers });

  if (!policy.autoPromote) return no('auto-promote is off');
  if (challenger.retired) return no('the model is retired');
  if (challenger.isChampion) return no('the model is already champion');
  if (challenger.metrics.rows < policy.minTestSize) {
    return no(`the test split has ${challenger.metrics.rows} rows; the policy needs at least ${policy.minTestSize}`);
  }
  if (score === null) return no(`${policy.metric} is not defined for this evaluation`);
  if (!champion) return { promote: true, reason: `no champion yet; ${policy.metric} ${score.toFixed(4)}`, numbers };
  if (best === null) return { promote: true, reason: `the champion has no ${policy.metric} on these rows`, numbers };
  if (improvement! < policy.minImprovement) {
    return no(`${policy.metric} ${score.toFixed(4)} vs champion ${best.toFixed(4)}: improvement ${improvement!.toFixed(4)} < ${policy.minImprovement}`);
  }
  return {
    promote: true,
    reason: `${policy.metric} ${score.toFixed(4)} beats champion ${best.toFixed(4)} by ${improvement!.toFixed(4)} (≥ ${policy.minImprovement})`,
    numbers,
  };
}
