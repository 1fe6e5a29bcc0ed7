import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import { renderCostChart } from '../../domain/cost/cost-chart.js';
import {
  PROJECTION_PRESETS,
  ProjectionInputError,
  projectCosts,
  UnknownPriceError,
  type ProjectionOption,
  type ProjectionPresetName,
} from '../../domain/cost/projection.js';
import type { PriceOverrides } from '../../domain/pricing.js';
import { errors, type FieldProblem } from '../../errors.js';
import type { CascadeOptionDetail, CascadeOptions } from './cascade-option.js';
import type { ModelCallMeasures } from './model-call-measures.js';

/** One option as a client describes it: a model version (measured), a named scenario, or explicit numbers. */
export interface OptionInput {
  name?: string;
  model_version_id?: string;
  scenario?: ProjectionPresetName;
  model?: string;
  input_tokens_per_call?: number;
  output_tokens_per_call?: number;
  training_cost_usd?: number;
  price_per_million?: { input: number; output: number };
  /** A cascade only: the share of calls reaching each stage, instead of the measured ones. */
  reach_rates?: number[];
}

export interface ProjectionRequest {
  daily_volume: number;
  daily_growth: number;
  horizon_days: number;
  options: OptionInput[];
}

/**
 * Cost projections: what each way of classifying would cost over time at a given volume and
 * growth, training included, and when a dearer-to-start option pays for itself. Model versions
 * bring their tokens per call as measured by their latest completed evaluation; a cascade brings
 * its stages, each paid on the share of calls that reach it (cascade-option.ts).
 */
export const costProjectionsService = (deps: {
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  measures: ModelCallMeasures;
  cascades: CascadeOptions;
  priceOverrides: PriceOverrides;
}) => {
  /** An option ready to project, and for a cascade what its answer adds (reach rates, stages). */
  type Resolved = { option: ProjectionOption; detail?: CascadeOptionDetail };

  const resolveModelVersion = async (
    option: OptionInput,
    field: string,
    problems: FieldProblem[],
  ): Promise<Resolved | undefined> => {
    const model = await deps.modelVersionsRepo.findById(option.model_version_id!);
    if (!model) return void problems.push({ field: `${field}.model_version_id`, message: 'no such model version' });
    if (model.kind === 'cascade') {
      // Each stage brings its own model, tokens and price.
      const perStage = (
        ['model', 'input_tokens_per_call', 'output_tokens_per_call', 'price_per_million'] as const
      ).filter((key) => option[key] !== undefined);
      if (perStage.length > 0)
        return void problems.push(
          ...perStage.map((key) => ({
            field: `${field}.${key}`,
            message: 'not for a cascade: each stage has its own',
          })),
        );
      return deps.cascades.resolve(model, option, field, problems);
    }
    if (option.reach_rates)
      return void problems.push({ field: `${field}.reach_rates`, message: 'only for a cascade model version' });
    const measured = (await deps.measures.of([model])).get(model.id);
    const tokensGiven = option.input_tokens_per_call !== undefined && option.output_tokens_per_call !== undefined;
    if (!measured && !tokensGiven) {
      return void problems.push({
        field: `${field}.model_version_id`,
        message: 'has no completed evaluation to measure tokens per call; evaluate it or give the tokens',
      });
    }
    return {
      option: {
        name: option.name ?? model.name,
        model: model.model,
        inputTokensPerCall: option.input_tokens_per_call ?? measured?.inputTokensPerCall ?? 0,
        outputTokensPerCall: option.output_tokens_per_call ?? measured?.outputTokensPerCall ?? 0,
        trainingCostUsd: option.training_cost_usd ?? model.trainingCostUsd ?? 0,
        ...(option.price_per_million ? { pricePerMillion: option.price_per_million } : {}),
        ...(measured?.endpointUsdPerDay !== undefined ? { endpointUsdPerDay: measured.endpointUsdPerDay } : {}),
      },
    };
  };

  const resolve = async (
    option: OptionInput,
    index: number,
    problems: FieldProblem[],
  ): Promise<Resolved | undefined> => {
    const field = `body.options[${index}]`;
    if (option.model_version_id) return resolveModelVersion(option, field, problems);
    if (option.reach_rates)
      return void problems.push({ field: `${field}.reach_rates`, message: 'only for a cascade model version' });
    const preset = option.scenario ? PROJECTION_PRESETS[option.scenario] : undefined;
    const input = option.input_tokens_per_call ?? preset?.inputTokensPerCall;
    const output = option.output_tokens_per_call ?? preset?.outputTokensPerCall;
    if (!option.model)
      problems.push({ field: `${field}.model`, message: 'is required unless model_version_id is given' });
    if (input === undefined)
      problems.push({
        field: `${field}.input_tokens_per_call`,
        message: 'is required unless a scenario or model_version_id is given',
      });
    if (output === undefined)
      problems.push({
        field: `${field}.output_tokens_per_call`,
        message: 'is required unless a scenario or model_version_id is given',
      });
    if (!option.model || input === undefined || output === undefined) return undefined;
    return {
      option: {
        name: option.name ?? (option.scenario ? `${option.scenario} (${option.model})` : option.model),
        model: option.model,
        inputTokensPerCall: input,
        outputTokensPerCall: output,
        trainingCostUsd: option.training_cost_usd ?? 0,
        ...(option.price_per_million ? { pricePerMillion: option.price_per_million } : {}),
      },
    };
  };

  return {
    async project(request: ProjectionRequest, chart: { width?: number; height?: number } = {}) {
      // Problems per option, listed in option order however the lookups interleave.
      const perOption = request.options.map((): FieldProblem[] => []);
      const resolved = await Promise.all(
        request.options.map((option, index) => resolve(option, index, perOption[index]!)),
      );
      const problems = perOption.flat();
      if (problems.length > 0) throw errors.validation('Some options cannot be projected.', problems);
      const options = (resolved as Resolved[]).map((entry) => entry.option);
      try {
        const projection = projectCosts(
          {
            dailyVolume: request.daily_volume,
            dailyGrowth: request.daily_growth,
            horizonDays: request.horizon_days,
            options,
          },
          deps.priceOverrides,
        );
        return {
          projection: {
            ...projection,
            options: projection.options.map((option, i) => ({ ...option, ...(resolved[i]!.detail ?? {}) })),
          },
          svg: renderCostChart(projection, { ...chart, title: `Cumulative cost over ${request.horizon_days} days` }),
        };
      } catch (error) {
        if (error instanceof UnknownPriceError) {
          throw errors.validation('No price is known for a model.', [
            {
              field: `body.options[${error.index}].model`,
              message: `no price for "${error.model}"; give price_per_million`,
            },
          ]);
        }
        if (error instanceof ProjectionInputError) {
          const field = error.field.replace(/([A-Z])/g, (letter) => `_${letter.toLowerCase()}`);
          throw errors.validation(error.message, [{ field: `body.${field}`, message: error.message }]);
        }
        throw error;
      }
    },
  };
};

export type CostProjectionsService = ReturnType<typeof costProjectionsService>;
