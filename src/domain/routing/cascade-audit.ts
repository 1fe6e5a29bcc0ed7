import type { EvaluationMetrics } from '../evaluation/evaluate.js';
import type { CascadeDefinition } from './cascade-definition.js';

/**
 * What a routing event records of a cascade beyond any model's numbers: that it is one, its
 * stages with their thresholds and, from its evaluation, the share of rows each stage answered.
 * Nothing for other models.
 */
export function cascadeAuditNumbers(
  model: { kind: string; cascade: CascadeDefinition | null },
  metrics: EvaluationMetrics | null | undefined,
): Record<string, unknown> {
  if (model.kind !== 'cascade' || !model.cascade) return {};
  const shares = metrics?.cascade?.stages;
  return {
    kind: 'cascade',
    stages: model.cascade.stages.map((stage, i) => ({
      stage: i,
      model_version_id: stage.modelVersionId,
      min_confidence: stage.minConfidence,
      share: shares?.[i]?.share ?? null,
    })),
    abstain_below: model.cascade.abstainBelow,
    abstained_share: metrics?.cascade?.abstained_share ?? null,
  };
}
