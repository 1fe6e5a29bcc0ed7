import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { CallTarget } from '../inference/provider-calls.js';

/**
 * A model version as something to call: its classifier, prompt and rate budget. Local trained
 * models are parsed from their artifact once and kept, since a model version never changes.
 */
export function modelClassifiers(providers: Pick<Providers, 'classifier' | 'budgetFor'>) {
  const cache = new Map<string, CallTarget>();
  return {
    targetFor(model: ModelVersionRecord): CallTarget {
      const cached = cache.get(model.id);
      if (cached) return cached;
      const { prompt } = model;
      const provider = model.provider as ProviderName;
      let target: CallTarget;
      if (model.kind === 'local_trained') {
        if (!model.artifact) throw new Error(`model version ${model.id} has no artifact`);
        // Served from its stored weights, in-process: no rate budget.
        target = {
          classifier: providers.classifier({ provider, model: model.model, artifact: model.artifact }, prompt),
          prompt,
        };
      } else {
        target = {
          classifier: providers.classifier(
            { provider, model: model.model, labelCodes: model.labelCodes ?? undefined },
            prompt,
          ),
          prompt,
          budget: providers.budgetFor(provider),
        };
      }
      cache.set(model.id, target);
      return target;
    },
  };
}

export type ModelClassifiers = ReturnType<typeof modelClassifiers>;
