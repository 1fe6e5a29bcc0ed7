import type { CascadeStageCountsRepository } from '../../db/repositories/cascade-stage-counts-repository.js';
import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import {
  type CascadeStageCost,
  cascadeCost,
  reachRateProblems,
  reachRatesFromAnswers,
} from '../../domain/cost/cascade-cost.js';
import type { ProjectionOption } from '../../domain/cost/projection.js';
import type { PriceOverrides } from '../../domain/pricing.js';
import type { FieldProblem } from '../../errors.js';
import type { ModelCallMeasures } from './model-call-measures.js';

/** How far back the prediction log is read for a cascade's reach rates as served. */
export const SERVED_REACH_DAYS = 7;
/** Fewer cascade predictions than this in that window are too few to trust; its evaluation is used instead. */
export const MIN_SERVED_PREDICTIONS = 100;
const DAY_MS = 86_400_000;

export type ReachSource = 'served' | 'evaluation' | 'request';

/** What the projection reports about a cascade option beyond what any option has. */
export interface CascadeOptionDetail {
  reach_rates: number[];
  reach_source: ReachSource;
  /** Predictions (served) or evaluation rows (evaluation) the rates were measured on; null when given. */
  reach_sample: number | null;
  stages: ({ stage: number; model_version_id: string; model: string } & CascadeStageCost)[];
}

/** The part of a request's option a cascade reads. */
export interface CascadeOptionInput {
  name?: string;
  training_cost_usd?: number;
  reach_rates?: number[];
}

/**
 * A cascade model version as a cost-projection option: each stage priced as a model version is
 * (model-call-measures.ts), paid on the share of calls that reach it. Reach rates as served over
 * the last week when there is enough traffic, else as its latest completed evaluation measured,
 * unless the request gives them.
 */
export const cascadeOptions = (deps: {
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'latestForModels'>;
  stageCounts: Pick<CascadeStageCountsRepository, 'servedTotals' | 'servedStages' | 'evaluatedStages'>;
  measures: ModelCallMeasures;
  priceOverrides: PriceOverrides;
  now?: () => Date;
}) => {
  const now = deps.now ?? (() => new Date());

  const servedReach = async (cascade: ModelVersionRecord, stageCount: number) => {
    const until = now();
    const window = { taskId: cascade.taskId, since: new Date(until.getTime() - SERVED_REACH_DAYS * DAY_MS), until };
    const [totals] = await deps.stageCounts.servedTotals({ ...window, cascadeId: cascade.id });
    if (!totals || totals.predictions < MIN_SERVED_PREDICTIONS) return undefined;
    const reached = new Map(
      (await deps.stageCounts.servedStages({ ...window, cascadeId: cascade.id })).map((row) => [
        row.stage,
        row.reached,
      ]),
    );
    return {
      rates: Array.from({ length: stageCount }, (_, k) => (reached.get(k) ?? 0) / totals.predictions),
      sample: totals.predictions,
    };
  };

  const evaluatedReach = async (cascade: ModelVersionRecord, stageCount: number) => {
    const latest = (await deps.evaluationsRepo.latestForModels([cascade.id])).find(
      (evaluation) => evaluation.status === 'completed',
    );
    if (!latest) return undefined;
    const { answered, abstained, rows } = await deps.stageCounts.evaluatedStages(latest.id);
    if (rows === 0) return undefined;
    const perStage = Array.from({ length: stageCount }, (_, k) => answered.get(k) ?? 0);
    return { rates: reachRatesFromAnswers(perStage, abstained), sample: rows };
  };

  const reachOf = async (
    cascade: ModelVersionRecord,
    stageCount: number,
    given: number[] | undefined,
  ): Promise<{ rates: number[]; source: ReachSource; sample: number | null } | undefined> => {
    if (given) return { rates: given, source: 'request', sample: null };
    const served = await servedReach(cascade, stageCount);
    if (served) return { ...served, source: 'served' };
    const evaluated = await evaluatedReach(cascade, stageCount);
    return evaluated ? { ...evaluated, source: 'evaluation' } : undefined;
  };

  return {
    async resolve(
      cascade: ModelVersionRecord,
      option: CascadeOptionInput,
      field: string,
      problems: FieldProblem[],
    ): Promise<{ option: ProjectionOption; detail: CascadeOptionDetail } | undefined> {
      const definition = cascade.cascade;
      if (!definition) return void problems.push({ field: `${field}.model_version_id`, message: 'has no stages' });
      const stageCount = definition.stages.length;
      if (option.reach_rates) {
        const given = reachRateProblems(option.reach_rates, stageCount, `${field}.reach_rates`);
        if (given.length > 0) return void problems.push(...given);
      }
      const reach = await reachOf(cascade, stageCount, option.reach_rates);
      if (!reach) {
        return void problems.push({
          field: `${field}.model_version_id`,
          message: `a cascade that has neither served ${MIN_SERVED_PREDICTIONS} predictions in the last ${SERVED_REACH_DAYS} days nor been evaluated: its reach rates are unknown; evaluate it or give reach_rates`,
        });
      }
      const models = await Promise.all(
        definition.stages.map((stage) => deps.modelVersionsRepo.findById(stage.modelVersionId)),
      );
      const missing = models.findIndex((model) => !model);
      if (missing >= 0)
        return void problems.push({
          field: `${field}.model_version_id`,
          message: `stage ${missing}'s model version is gone`,
        });
      const stageModels = models as ModelVersionRecord[];
      const measures = await deps.measures.of(stageModels);
      const calls = stageModels.map((model) => measures.get(model.id) ?? null);
      const cost = cascadeCost(calls, reach.rates, deps.priceOverrides);
      if (cost.perCallUsd === null) {
        const k = cost.unpricedStage!;
        const model = stageModels[k]!;
        return void problems.push({
          field: `${field}.model_version_id`,
          message: calls[k]
            ? `stage ${k} (${model.name}): no price for "${model.model}"; add it to PRICE_OVERRIDES`
            : `stage ${k} (${model.name}) has no completed evaluation to measure tokens per call; evaluate it`,
        });
      }
      // The tokens of all stages together, as expected per call: informative only, the stages price them.
      const expectedTokens = (pick: 'inputTokensPerCall' | 'outputTokensPerCall') =>
        calls.reduce((sum, call, k) => sum + reach.rates[k]! * (call?.[pick] ?? 0), 0);
      return {
        option: {
          name: option.name ?? cascade.name,
          model: cascade.model,
          inputTokensPerCall: expectedTokens('inputTokensPerCall'),
          outputTokensPerCall: expectedTokens('outputTokensPerCall'),
          // Its stages were trained before it: what they cost is what this option cost to build.
          trainingCostUsd:
            option.training_cost_usd ?? stageModels.reduce((sum, model) => sum + (model.trainingCostUsd ?? 0), 0),
          cascadePerCallUsd: cost.perCallUsd,
          endpointUsdPerDay: cost.endpointUsdPerDay,
        },
        detail: {
          reach_rates: reach.rates,
          reach_source: reach.source,
          reach_sample: reach.sample,
          stages: cost.stages.map((stage, k) => ({
            stage: k,
            model_version_id: stageModels[k]!.id,
            model: stageModels[k]!.model,
            ...stage,
          })),
        },
      };
    },
  };
};

export type CascadeOptions = ReturnType<typeof cascadeOptions>;
