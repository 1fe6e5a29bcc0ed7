import type { FastifyInstance } from 'fastify';
import { FINE_TUNABLE_MODELS, type FineTunableModel, SERVERLESS_MODELS, type ServerlessModel } from './catalogue.js';
import { type EndpointRecord, endpointState } from './endpoint-simulation.js';
import { errors } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { FakeState, FineTunedModelRecord } from './state.js';

/**
 * Which models exist and what serves them. Serverless models answer at once; fine-tunable base
 * models are not serverless and answer only through a started dedicated endpoint; fine-tuned
 * models made by this fake answer serverless (as LoRA adapters) or only through an endpoint,
 * as `servingRequiresEndpoint` says. Retired models answer 404 everywhere.
 */

export type Route = { kind: 'serverless' } | { kind: 'endpoint'; endpoint: EndpointRecord };

export interface ModelRegistry {
  serverless(id: string): ServerlessModel | undefined;
  fineTunable(id: string): FineTunableModel | undefined;
  fineTuned(id: string): FineTunedModelRecord | undefined;
  /** Billions of parameters of a model a dedicated endpoint can run, or undefined. */
  deployableSize(id: string): number | undefined;
  /** What answers chat for `model`, or the error Together answers. */
  route(model: string): Route;
  list(dedicatedOnly: boolean): object[];
}

export function createModelRegistry(
  options: () => ResolvedOptions,
  state: FakeState,
  now: () => number,
  /** Brings fine-tuning jobs up to date, so a fine-tune that just finished is known. */
  refresh: () => void,
): ModelRegistry {
  const retired = (id: string): boolean => options().faults.retiredModels?.includes(id) ?? false;
  const serverless = (id: string) => (retired(id) ? undefined : SERVERLESS_MODELS.find((model) => model.id === id));
  const fineTunable = (id: string) => (retired(id) ? undefined : FINE_TUNABLE_MODELS.find((model) => model.id === id));
  const fineTuned = (id: string) => {
    refresh();
    const found = state.fineTunedModels.get(id);
    return found && !retired(found.base) && !retired(id) ? found : undefined;
  };
  const deployableSize = (id: string): number | undefined => {
    const tuned = fineTuned(id);
    return (
      serverless(id)?.paramsB ?? fineTunable(id)?.paramsB ?? (tuned ? fineTunable(tuned.base)?.paramsB : undefined)
    );
  };
  const started = (endpoint: EndpointRecord) => endpointState(endpoint, now(), options().endpointTiming) === 'STARTED';

  return {
    serverless,
    fineTunable,
    fineTuned,
    deployableSize,
    route(model) {
      if (retired(model)) throw errors.unknownModel(model);
      const endpoints = [...state.endpoints.values()];
      const named = endpoints.find((endpoint) => endpoint.name === model);
      if (named) {
        if (!started(named)) throw errors.nonServerlessModel(model);
        return { kind: 'endpoint', endpoint: named };
      }
      const serving = endpoints.find((endpoint) => endpoint.model === model && started(endpoint));
      if (serving) return { kind: 'endpoint', endpoint: serving };
      if (serverless(model)) return { kind: 'serverless' };
      if (fineTuned(model)) {
        if (options().servingRequiresEndpoint) throw errors.nonServerlessModel(model);
        return { kind: 'serverless' };
      }
      if (fineTunable(model)) throw errors.nonServerlessModel(model);
      throw errors.unknownModel(model);
    },
    list(dedicatedOnly) {
      refresh();
      const zero = { hourly: 0, input: 0, output: 0, base: 0, finetune: 0 };
      const info = (
        id: string,
        created: number,
        displayName: string,
        organization: string,
        contextLength: number,
        pricing: typeof zero,
      ) => ({
        id,
        object: 'model',
        created,
        type: 'chat',
        display_name: displayName,
        organization,
        link: `https://huggingface.co/${id}`,
        license: 'see model card',
        context_length: contextLength,
        pricing,
      });
      const hosted = SERVERLESS_MODELS.filter((model) => !retired(model.id)).map((model) =>
        info(model.id, model.created, model.displayName, model.organization, model.contextLength, {
          ...zero,
          input: model.input,
          output: model.output,
        }),
      );
      const bases = FINE_TUNABLE_MODELS.filter((model) => !retired(model.id)).map((model) =>
        info(model.id, model.created, model.displayName, model.organization, model.contextLength, zero),
      );
      const tuned = [...state.fineTunedModels.values()]
        .filter((model) => fineTuned(model.name))
        .map((model) => {
          const base = fineTunable(model.base);
          return {
            ...info(
              model.name,
              Math.floor(model.createdAtMs / 1000),
              model.name,
              options().namespace,
              base?.contextLength ?? 8192,
              zero,
            ),
            link: '',
          };
        });
      return dedicatedOnly ? [...bases, ...tuned] : [...hosted, ...bases, ...tuned];
    },
  };
}

export function modelRoutes(app: FastifyInstance, registry: ModelRegistry): void {
  app.get<{ Querystring: { dedicated?: string } }>('/models', async (request) => {
    const dedicated = request.query.dedicated;
    if (dedicated !== undefined && dedicated !== 'true' && dedicated !== 'false')
      throw errors.invalidRequest('dedicated must be true or false.', 'dedicated');
    // The spec's ModelInfoList is a bare array, not a `{ data }` page.
    return registry.list(dedicated === 'true');
  });
}
