import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
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
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { ModelEndpointsService } from '../model-versions/model-endpoints-service.js';

/** Endpoint states billed (or about to be) per minute of uptime. */
const BILLED_ENDPOINT_STATES = new Set(['pending', 'starting', 'started']);
const MINUTES_PER_DAY = 24 * 60;

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
 * bring their tokens per call as measured by their latest completed evaluation.
 */
export const costProjectionsService = (deps: {
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  endpoints: Pick<ModelEndpointsService, 'latestForModels'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'latestForModels'>;
  providers: Pick<Providers, 'has' | 'isInProcess'>;
  priceOverrides: PriceOverrides;
}) => {
  const resolve = async (
    option: OptionInput,
    index: number,
    problems: FieldProblem[],
  ): Promise<ProjectionOption | undefined> => {
    const field = `body.options[${index}]`;
    if (option.model_version_id) {
      const model = await deps.modelVersionsRepo.findById(option.model_version_id);
      if (!model) return void problems.push({ field: `${field}.model_version_id`, message: 'no such model version' });
      const [measured] = (await deps.evaluationsRepo.latestForModels([model.id])).filter(
        (evaluation) => evaluation.status === 'completed',
      );
      const usage = measured?.metrics?.usage;
      const endpoint = (await deps.endpoints.latestForModels([model.id])).get(model.id);
      const endpointUsdPerDay =
        endpoint && BILLED_ENDPOINT_STATES.has(endpoint.state)
          ? endpoint.pricePerMinuteUsd * MINUTES_PER_DAY
          : undefined;
      // In-process models cost nothing per call, and calls to a dedicated endpoint are paid by the
      // minute: no measured tokens needed. (A connection since taken out of the configuration counts as hosted.)
      const free =
        endpointUsdPerDay !== undefined ||
        (deps.providers.has(model.provider) && deps.providers.isInProcess(model.provider as ProviderName));
      if (!free && (!usage || usage.mean_input_tokens === null)) {
        return void problems.push({
          field: `${field}.model_version_id`,
          message: 'has no completed evaluation to measure tokens per call; evaluate it or give the tokens',
        });
      }
      return {
        name: option.name ?? model.name,
        model: model.model,
        inputTokensPerCall: option.input_tokens_per_call ?? usage?.mean_input_tokens ?? 0,
        outputTokensPerCall: option.output_tokens_per_call ?? usage?.mean_output_tokens ?? 0,
        trainingCostUsd: option.training_cost_usd ?? model.trainingCostUsd ?? 0,
        ...(option.price_per_million ? { pricePerMillion: option.price_per_million } : {}),
        ...(endpointUsdPerDay !== undefined ? { endpointUsdPerDay } : {}),
      };
    }
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
      name: option.name ?? (option.scenario ? `${option.scenario} (${option.model})` : option.model),
      model: option.model,
      inputTokensPerCall: input,
      outputTokensPerCall: output,
      trainingCostUsd: option.training_cost_usd ?? 0,
      ...(option.price_per_million ? { pricePerMillion: option.price_per_million } : {}),
    };
  };

  return {
    async project(request: ProjectionRequest, chart: { width?: number; height?: number } = {}) {
      const problems: FieldProblem[] = [];
      const options = await Promise.all(request.options.map((option, index) => resolve(option, index, problems)));
      if (problems.length > 0) throw errors.validation('Some options cannot be projected.', problems);
      try {
        const projection = projectCosts(
          {
            dailyVolume: request.daily_volume,
            dailyGrowth: request.daily_growth,
            horizonDays: request.horizon_days,
            options: options as ProjectionOption[],
          },
          deps.priceOverrides,
        );
        return {
          projection,
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
