import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import type { PricedCallInput } from '../../domain/cost/projection.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { ModelEndpointsService } from '../model-versions/model-endpoints-service.js';

/** Endpoint states billed (or about to be) per minute of uptime. */
const BILLED_ENDPOINT_STATES = new Set(['pending', 'starting', 'started']);
const MINUTES_PER_DAY = 24 * 60;

/**
 * What one call of a model version uses, to price it: its model, the tokens per call its latest
 * completed evaluation measured, and its dedicated endpoint's daily cost when one runs. `null` for
 * a model billed per token that no completed evaluation has measured. Shared by cost projections
 * and monitoring, so a model is priced the same way in both.
 */
export const modelCallMeasures = (deps: {
  endpoints: Pick<ModelEndpointsService, 'latestForModels'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'latestForModels'>;
  providers: Pick<Providers, 'has' | 'isInProcess'>;
}) => ({
  async of(models: readonly ModelVersionRecord[]): Promise<Map<string, PricedCallInput | null>> {
    const ids = [...new Set(models.map((model) => model.id))];
    const [evaluations, endpoints] = await Promise.all([
      deps.evaluationsRepo.latestForModels(ids),
      deps.endpoints.latestForModels(ids),
    ]);
    const measures = new Map<string, PricedCallInput | null>();
    for (const model of models) {
      // Newest first: the first completed one is the latest measurement.
      const usage = evaluations.find(
        (evaluation) => evaluation.modelVersionId === model.id && evaluation.status === 'completed',
      )?.metrics?.usage;
      const endpoint = endpoints.get(model.id);
      const endpointUsdPerDay =
        endpoint && BILLED_ENDPOINT_STATES.has(endpoint.state)
          ? endpoint.pricePerMinuteUsd * MINUTES_PER_DAY
          : undefined;
      // In-process models cost nothing per call, and calls to a dedicated endpoint are paid by the
      // minute: no measured tokens needed. (A connection since taken out of the configuration counts as hosted.)
      const free =
        endpointUsdPerDay !== undefined ||
        (deps.providers.has(model.provider) && deps.providers.isInProcess(model.provider as ProviderName));
      const measured = usage !== undefined && usage.mean_input_tokens !== null;
      measures.set(
        model.id,
        !free && !measured
          ? null
          : {
              model: model.model,
              inputTokensPerCall: usage?.mean_input_tokens ?? 0,
              outputTokensPerCall: usage?.mean_output_tokens ?? 0,
              ...(endpointUsdPerDay !== undefined ? { endpointUsdPerDay } : {}),
            },
      );
    }
    return measures;
  },
});

export type ModelCallMeasures = ReturnType<typeof modelCallMeasures>;
