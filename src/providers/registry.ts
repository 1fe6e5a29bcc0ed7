import type OpenAI from 'openai';
import type { Config } from '../config.js';
import { createFewShotClassifier } from './local/few-shot-classifier.js';
import { createOpenAIClassifier, openAIClient } from './openai/openai-classifier.js';
import { openAIFineTuning } from './openai/openai-fine-tuning.js';
import type { Classifier, PromptConfig } from './provider.js';

export const PROVIDERS = ['openai', 'local'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export interface ModelSpec {
  provider: ProviderName;
  model: string;
  /** Completion codes per label, for legacy prompt/completion fine-tunes. */
  labelCodes?: Record<string, string>;
}

/** Default model per provider when a request names none. */
export const DEFAULT_MODELS: Record<ProviderName, string> = { openai: 'gpt-4o-mini', local: 'few-shot-tfidf' };

/** Builds classifiers for model specs; the OpenAI client is created once and shared. */
export function createProviders(openai: Config['openai']) {
  let client: OpenAI | undefined;
  const sharedClient = () =>
    (client ??= openAIClient({
      apiKey: openai.apiKey ?? '',
      baseUrl: openai.baseUrl,
      organization: openai.organization,
      project: openai.project,
      timeoutMs: openai.timeoutMs,
    }));
  return {
    /** Files and fine-tuning jobs at the OpenAI-compatible endpoint. */
    fineTuning: () => openAIFineTuning(sharedClient()),

    /** Whether the provider can be used at all in this deployment (OpenAI needs a key). */
    isConfigured: (provider: ProviderName): boolean => provider === 'local' || Boolean(openai.apiKey),

    classifier(spec: ModelSpec, prompt: PromptConfig): Classifier {
      if (spec.provider === 'local') return createFewShotClassifier(prompt, { model: spec.model });
      return createOpenAIClassifier(sharedClient(), spec.model, spec.labelCodes);
    },

    /** Default per-minute budgets for a provider (a run may bring its own). */
    defaultBudget: (provider: ProviderName) => (provider === 'openai' ? { rpm: openai.rpm, tpm: openai.tpm } : {}),
  };
}

export type Providers = ReturnType<typeof createProviders>;
