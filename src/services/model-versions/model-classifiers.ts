import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { ProviderError, type Classifier } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { CallTarget } from '../inference/provider-calls.js';

/**
 * A model version as something to call: its classifier, prompt and rate budget. Local trained
 * models are parsed from their artifact once and kept, since a model version never changes.
 */
/**
 * The classifier of a model version whose connection was taken out of the configuration since it
 * was registered: every call fails for good, so classify falls back and evaluations fail saying why.
 */
const withoutConnection = (provider: string, model: string): Classifier => ({
  provider,
  model,
  classify: async () => {
    throw new ProviderError('permanent', 'unknown_provider', `no provider connection "${provider}" in this deployment`);
  },
});

export function modelClassifiers(providers: Pick<Providers, 'has' | 'classifier' | 'budgetFor'>) {
  const cache = new Map<string, CallTarget>();
  return {
    /** `servedAs`: the name of a started dedicated endpoint that serves the model, asked instead of the model. */
    targetFor(model: ModelVersionRecord, servedAs?: string): CallTarget {
      const key = servedAs ? `${model.id} ${servedAs}` : model.id;
      const cached = cache.get(key);
      if (cached) return cached;
      const { prompt } = model;
      const provider = model.provider as ProviderName;
      let target: CallTarget;
      if (!providers.has(provider)) {
        target = { classifier: withoutConnection(provider, model.model), prompt };
      } else if (model.kind === 'local_trained') {
        if (!model.artifact) throw new Error(`model version ${model.id} has no artifact`);
        // Served from its stored weights, in-process: no rate budget.
        target = {
          classifier: providers.classifier({ provider, model: model.model, artifact: model.artifact }, prompt),
          prompt,
        };
      } else {
        target = {
          classifier: providers.classifier(
            { provider, model: servedAs ?? model.model, labelCodes: model.labelCodes ?? undefined },
            prompt,
          ),
          prompt,
          budget: providers.budgetFor(provider),
        };
      }
      cache.set(key, target);
      return target;
    },
  };
}

export type ModelClassifiers = ReturnType<typeof modelClassifiers>;
