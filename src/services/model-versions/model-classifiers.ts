import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { ProviderError, type Classifier, type ClassifyOutcome } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { CallTarget } from '../inference/provider-calls.js';

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

/** Why a model version on `provider` has no confidences, as its view says it. */
export const noConfidenceNote = (providers: Pick<Providers, 'capabilities'>, provider: ProviderName): string =>
  providers.capabilities(provider).confidences
    ? `the server at connection "${provider}" returned no logprobs; confidence is null`
    : `the connection "${provider}" is set \`logprobs: false\` (its server gives none); confidence is null`;

/**
 * A model version as something to call: its classifier, prompt and rate budget. Local trained
 * models are parsed from their artifact once and kept, since a model version never changes.
 *
 * The first answer each process gets from a model version says whether it has confidences: one
 * without logprobs marks the model version `confidence_source: none` (one with them clears an
 * old mark). The mark is written in the background, once per process and model, and a failed
 * write is ignored: it only informs the model's view, and the next process tries again.
 */
export function modelClassifiers(
  providers: Pick<Providers, 'has' | 'classifier' | 'servingClassifier' | 'budgetFor' | 'capabilities'>,
  modelVersionsRepo: Pick<ModelVersionsRepository, 'update'>,
) {
  const cache = new Map<string, CallTarget>();
  const observed = new Set<string>();

  const noteConfidence = (model: ModelVersionRecord, outcome: ClassifyOutcome) => {
    observed.add(model.id);
    const marked = model.confidenceSource === 'none';
    const changes = outcome.withoutLogprobs
      ? marked
        ? undefined
        : { confidenceSource: 'none' as const, confidenceNote: noConfidenceNote(providers, model.provider) }
      : marked
        ? { confidenceSource: null, confidenceNote: null }
        : undefined;
    if (changes) void modelVersionsRepo.update(model.id, changes).catch(() => undefined);
  };

  /** The classifier, telling the first answer it gives in this process to noteConfidence. */
  const watched = (model: ModelVersionRecord, classifier: Classifier): Classifier => ({
    provider: classifier.provider,
    model: classifier.model,
    async classify(...args) {
      const outcome = await classifier.classify(...args);
      if (!observed.has(model.id)) noteConfidence(model, outcome);
      return outcome;
    },
  });

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
          classifier: watched(
            model,
            providers.servingClassifier(
              { provider, model: servedAs ?? model.model, labelCodes: model.labelCodes ?? undefined },
              prompt,
            ),
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
