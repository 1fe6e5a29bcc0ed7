import type { RateBudget } from '../../lib/provider-rate-limiter.js';

/** A run's stored parameters, read back with their defaults applied. */
export interface RunParams {
  onlyUnlabeled: boolean;
  maxExamples?: number;
  maxCostUsd?: number;
  lowConfidenceThreshold: number;
  refine?: { negativeLabel: string; minConfidence: number };
  rateLimit?: RateBudget;
}

export const DEFAULT_LOW_CONFIDENCE = 0.6;

export function runParams(stored: Record<string, unknown>): RunParams {
  const limits = (stored['limits'] ?? {}) as { max_examples?: number; max_cost_usd?: number };
  const refine = stored['refine'] as { negative_label: string; min_confidence: number } | undefined;
  const rate = stored['rate_limit'] as { rpm?: number; tpm?: number } | undefined;
  return {
    onlyUnlabeled: stored['only_unlabeled'] !== false,
    maxExamples: limits.max_examples,
    maxCostUsd: limits.max_cost_usd,
    lowConfidenceThreshold: (stored['low_confidence_threshold'] as number | undefined) ?? DEFAULT_LOW_CONFIDENCE,
    refine: refine ? { negativeLabel: refine.negative_label, minConfidence: refine.min_confidence } : undefined,
    rateLimit: rate,
  };
}
