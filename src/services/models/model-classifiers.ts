import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { deserializeArtifact } from '../../providers/local/trainer/artifact.js';
import { createTrainedClassifier } from '../../providers/local/trainer/trained-classifier.js';
import type { PromptConfig } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { CallTarget } from '../inference/provider-calls.js';

/**
 * A model version as something to call: its classifier, prompt and rate budget. Local trained
 * models are parsed from their artifact once and kept, since a model version never changes.
 */
export function modelClassifiers(providers: Providers) {
  const cache = new Map<string, CallTarget>();
  return {
    targetFor(model: ModelVersionRecord): CallTarget {
      const cached = cache.get(model.id);
      if (cached) return cached;
      const prompt = model.prompt as unknown as PromptConfig;
      let target: CallTarget;
      if (model.kind === 'local_trained') {
        if (!model.artifact) throw new Error(`model version ${model.id} has no artifact`);
        target = { classifier: createTrainedClassifier(deserializeArtifact(model.artifact), { model: model.model }), prompt };
      } else {
        const provider = model.provider as ProviderName;
        target = {
          classifier: providers.classifier({ provider, model: model.model, labelCodes: model.labelCodes ?? undefined }, prompt),
          prompt,
          budget: provider === 'local' ? undefined : providers.defaultBudget(provider),
        };
      }
      cache.set(model.id, target);
      return target;
    },
  };
}

export type ModelClassifiers = ReturnType<typeof modelClassifiers>;
