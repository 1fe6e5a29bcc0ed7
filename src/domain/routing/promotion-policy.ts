import type { EvaluationMetrics } from '../evaluation/evaluate.js';
import { mcnemar } from '../evaluation/mcnemar.js';

/** The metrics a task's models can be ranked and promoted by. */
export const RANKING_METRICS = [
  'macro_f1',
  'accuracy',
  'weighted_f1',
  'one_off_accuracy',
  'good_vs_bad_accuracy',
] as const;
export type RankingMetric = (typeof RANKING_METRICS)[number];

export interface PromotionPolicy {
  metric: RankingMetric;
  /** The challenger must beat the model it is compared with by at least this much (absolute, on the metric). */
  minImprovement: number;
  /** Fewer test rows than this cannot justify a promotion. */
  minTestSize: number;
  autoPromote: boolean;
  /** At most this share of the challenger's predictions may have failed or named no label of the task. */
  maxFailureRate: number;
  /** When set, an exact McNemar test against the compared model must give p ≤ this. */
  maxPValue: number | null;
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
    case 'good_vs_bad_accuracy':
      return metrics.ordinal?.good_vs_bad_accuracy ?? null;
  }
}

/**
 * Predictions that are not an answer: calls that errored, answers that named no label
 * (`failed_predictions` counts both) and labels outside the task's (`unknown_predictions`), which
 * classify could not serve either. A cascade's abstentions are left out: withholding an unsure
 * answer for a person is what it was set to do, and its scores already count them as wrong.
 */
export function failureRate(metrics: EvaluationMetrics): { failures: number; rate: number | null } {
  const failures = metrics.failed_predictions - (metrics.abstained_predictions ?? 0) + metrics.unknown_predictions;
  return { failures, rate: metrics.rows > 0 ? failures / metrics.rows : null };
}

/** A model the challenger is measured against, with its evaluation on the same rows (if any). */
export interface Incumbent {
  modelId: string;
  evaluation: { metrics: EvaluationMetrics; correct: readonly boolean[] | null } | null;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  numbers: {
    metric: RankingMetric;
    challenger: number | null;
    test_size: number;
    failed_predictions: number;
    unknown_predictions: number;
    failure_rate: number | null;
    max_failure_rate: number;
    compared_with: 'champion' | 'fallback' | null;
    compared_model_id: string | null;
    compared_score: number | null;
    improvement: number | null;
    p_value: number | null;
    only_challenger_right: number | null;
    only_compared_right: number | null;
  };
}

const fixed = (value: number) => value.toFixed(4);
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
const pValueText = (p: number) => (p < 0.001 ? p.toExponential(2) : p.toPrecision(3));

/**
 * Whether a freshly evaluated model should become champion. It is compared with the champion or,
 * while there is none, with the task's fallback (normally the prompt-only model), and only on the
 * same rows: the caller passes the incumbent's evaluation on the same dataset version and split, or
 * null when it has none there. A model with nothing to be measured against is never promoted
 * automatically; somebody has to decide by hand.
 */
export function decidePromotion(input: {
  policy: PromotionPolicy;
  challenger: { modelId: string; metrics: EvaluationMetrics; correct: readonly boolean[] | null; retired: boolean };
  champion: Incumbent | null;
  fallback: Incumbent | null;
}): PromotionDecision {
  const { policy, challenger, champion, fallback } = input;
  const role = champion ? 'champion' : fallback ? 'fallback' : null;
  const incumbent = champion ?? fallback;
  const score = metricValue(challenger.metrics, policy.metric);
  const compared = incumbent?.evaluation ? metricValue(incumbent.evaluation.metrics, policy.metric) : null;
  const improvement = score !== null && compared !== null ? score - compared : null;
  const { failures, rate } = failureRate(challenger.metrics);
  const numbers: PromotionDecision['numbers'] = {
    metric: policy.metric,
    challenger: score,
    test_size: challenger.metrics.rows,
    failed_predictions: challenger.metrics.failed_predictions,
    unknown_predictions: challenger.metrics.unknown_predictions,
    failure_rate: rate,
    max_failure_rate: policy.maxFailureRate,
    compared_with: role,
    compared_model_id: incumbent?.modelId ?? null,
    compared_score: compared,
    improvement,
    p_value: null,
    only_challenger_right: null,
    only_compared_right: null,
  };
  const no = (reason: string): PromotionDecision => ({ promote: false, reason, numbers });

  if (!policy.autoPromote) return no('auto-promote is off');
  if (challenger.retired) return no('the model is retired');
  if (champion?.modelId === challenger.modelId) return no('the model is already champion');
  if (challenger.metrics.rows < policy.minTestSize) {
    return no(`the test split has ${challenger.metrics.rows} rows; the policy needs at least ${policy.minTestSize}`);
  }
  if ((rate ?? 0) > policy.maxFailureRate) {
    return no(
      `${failures} of ${challenger.metrics.rows} predictions failed or named no label (${percent(rate!)}); the policy allows at most ${percent(policy.maxFailureRate)}`,
    );
  }
  if (score === null) return no(`${policy.metric} is not defined for this evaluation`);
  if (!champion && fallback?.modelId === challenger.modelId) {
    return no(
      'the model is the fallback, which already answers while there is no champion; promote it by hand to make it champion',
    );
  }
  if (!incumbent) return no('there is no champion and no fallback to compare with; promote by hand');
  if (!incumbent.evaluation) {
    return no(
      champion
        ? 'the champion has no evaluation on these rows; evaluate it on the same split to compare'
        : 'there is no champion and the fallback has no evaluation on these rows; evaluate the fallback on the same split, or promote by hand',
    );
  }
  if (compared !== null && improvement! < policy.minImprovement) {
    return no(
      `${policy.metric} ${fixed(score)} vs ${role} ${fixed(compared)}: improvement ${fixed(improvement!)} < ${policy.minImprovement}`,
    );
  }
  if (policy.maxPValue !== null) {
    if (!challenger.correct || !incumbent.evaluation.correct)
      return no(`per-row results are missing, so the McNemar test against the ${role} cannot be computed`);
    const test = mcnemar(challenger.correct, incumbent.evaluation.correct);
    Object.assign(numbers, {
      p_value: test.pValue,
      only_challenger_right: test.onlyA,
      only_compared_right: test.onlyB,
    });
    if (test.pValue > policy.maxPValue) {
      return no(
        `McNemar against the ${role}: p = ${pValueText(test.pValue)} > ${policy.maxPValue} (${test.onlyA} rows only this model got right, ${test.onlyB} only the ${role})`,
      );
    }
  }
  const significance =
    numbers.p_value === null ? '' : `, McNemar p = ${pValueText(numbers.p_value)} ≤ ${policy.maxPValue}`;
  return {
    promote: true,
    reason:
      compared === null
        ? `the ${role} has no ${policy.metric} on these rows${significance}`
        : `${policy.metric} ${fixed(score)} beats ${role} ${fixed(compared)} by ${fixed(improvement!)} (≥ ${policy.minImprovement})${significance}`,
    numbers,
  };
}
