import type {
  CascadeStageCountsRepository,
  CascadeStageRow,
} from '../../db/repositories/cascade-stage-counts-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { cascadeCost } from '../../domain/cost/cascade-cost.js';
import type { PricedCallInput } from '../../domain/cost/projection.js';
import type { PriceOverrides } from '../../domain/pricing.js';
import type { ModelCallMeasures } from '../cost-projections/model-call-measures.js';

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/**
 * How each cascade that served a task in a window did, stage by stage: how often each stage was
 * reached, answered or passed the request on, how right its answers were by feedback, and what a
 * served request cost (every reached stage is paid, priced as cost projections price a model).
 */
export const cascadeMonitoring = (deps: {
  stageCounts: Pick<CascadeStageCountsRepository, 'servedTotals' | 'servedStages'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  measures: ModelCallMeasures;
  priceOverrides: PriceOverrides;
}) => {
  /**
   * The stages' model ids in order. Definitions never change, but a stage index the log names beyond
   * the definition is still shown (with a null model) rather than dropped from the counts.
   */
  const stageModelsOf = async (cascade: ModelVersionRecord | undefined, rows: CascadeStageRow[]) => {
    const defined = cascade?.cascade?.stages.map((stage) => stage.modelVersionId) ?? [];
    const count = Math.max(defined.length, ...rows.map((row) => row.stage + 1));
    const ids = Array.from({ length: count }, (_, k) => defined[k] ?? null);
    const models = await Promise.all(ids.map((id) => (id ? deps.modelVersionsRepo.findById(id) : undefined)));
    return { ids, models };
  };

  return {
    async get(taskId: string, since: Date, until: Date) {
      const window = { taskId, since, until };
      const [totals, stageRows] = await Promise.all([
        deps.stageCounts.servedTotals(window),
        deps.stageCounts.servedStages(window),
      ]);
      return Promise.all(
        totals.map(async (total) => {
          const rows = stageRows.filter((row) => row.cascade_id === total.cascade_id);
          const cascade = await deps.modelVersionsRepo.findById(total.cascade_id);
          const { ids, models } = await stageModelsOf(cascade, rows);
          const present = models.filter((model): model is ModelVersionRecord => model !== undefined);
          const measures = await deps.measures.of(present);
          const calls: (PricedCallInput | null)[] = models.map((model) =>
            model ? (measures.get(model.id) ?? null) : null,
          );
          const counts = ids.map((_, k) => rows.find((row) => row.stage === k));
          const reached = counts.map((row) => row?.reached ?? 0);
          const cost = cascadeCost(
            calls,
            reached.map((n) => ratio(n, total.predictions) ?? 0),
            deps.priceOverrides,
          );
          return {
            cascade_model_version_id: total.cascade_id,
            predictions: total.predictions,
            abstained: total.abstained,
            abstained_rate: ratio(total.abstained, total.predictions),
            cost_per_1000_served: cost.perCallUsd === null ? null : cost.perCallUsd * 1000,
            stages: counts.map((row, k) => {
              const answered = row?.answered ?? 0;
              const escalated = reached[k]! - answered;
              return {
                stage: k,
                model_version_id: ids[k] ?? null,
                reached: reached[k]!,
                answered,
                escalated,
                escalation_rate: ratio(escalated, reached[k]!),
                answered_share: ratio(answered, total.predictions),
                feedback_count: row?.feedback ?? 0,
                live_accuracy: ratio(row?.correct ?? 0, row?.feedback ?? 0),
                per_call_usd: cost.stages[k]!.per_call_usd,
              };
            }),
          };
        }),
      );
    },
  };
};

export type CascadeMonitoring = ReturnType<typeof cascadeMonitoring>;
