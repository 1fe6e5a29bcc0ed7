import type OpenAI from 'openai';
import { trainingCost } from '../../domain/pricing.js';
import type { ProviderDefinition } from '../provider.js';
import { connectionOverrides } from '../connection-overrides.js';
import { createOpenAIClassifier, openAIClient, probeModels, usesLegacyCompletions } from './openai-classifier.js';
import { openAIFineTuning } from './openai-fine-tuning.js';

/**
 * `openai`: any OpenAI-compatible endpoint through the official SDK (OPENAI_BASE_URL): labeling,
 * prompt-only and fine-tuned models, hosted fine-tuning, announced shutdown dates.
 */
export const openAIProvider: ProviderDefinition = {
  capabilities: {
    runs: 'hosted',
    classifies: true,
    defaultModel: 'gpt-4o-mini',
    training: {
      kind: 'fine_tuned',
      defaultBaseModel: 'gpt-4o-mini-2024-07-18',
      nameTag: 'ft',
      fileFormat: (model) => (usesLegacyCompletions(model) ? 'openai-completions' : 'openai-chat'),
      // The same prices the provider's bill is recorded with, overrides included.
      cost: trainingCost,
    },
    needsKey: true,
    configHint: 'set OPENAI_API_KEY',
    shutdownDates: true,
  },

  connect(settings) {
    // One client for every call, created on first use.
    let client: OpenAI | undefined;
    const sharedClient = () =>
      (client ??= openAIClient({
        apiKey: settings.apiKey ?? '',
        baseUrl: settings.baseUrl,
        organization: settings.organization,
        project: settings.project,
        timeoutMs: settings.timeoutMs,
        headers: settings.headers,
      }));
    return {
      configured: Boolean(settings.apiKey),
      capabilities: connectionOverrides(settings),
      baseUrl: settings.baseUrl,
      probe: (signal) => probeModels(sharedClient(), signal),
      classifier: (spec) => createOpenAIClassifier(sharedClient(), spec.model, spec.labelCodes),
      defaultBudget: { rpm: settings.rpm, tpm: settings.tpm },
      fineTuning: () => openAIFineTuning(sharedClient()),
      shutdownDate: (model) => openAIFineTuning(sharedClient()).shutdownDate(model),
    };
  },
};
