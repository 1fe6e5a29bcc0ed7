import { trainingCost } from '../../domain/pricing.js';
import type { ProviderDefinition } from '../provider.js';
import { openAIClient, usesLegacyCompletions } from './openai-classifier.js';
import { openAIFineTuning } from './openai-fine-tuning.js';
import { OPENAI_LIFECYCLE } from './openai-model-lifecycle.js';
import { sdkConnection } from './sdk-connection.js';
import { pooledServing } from './serving-classifier.js';

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
      // OpenAI takes a fine-tuned model (ft:...) as a job's base.
      continues: 'from_model',
      fileFormat: (model) => (usesLegacyCompletions(model) ? 'openai-completions' : 'openai-chat'),
      // The same prices the provider's bill is recorded with, overrides included.
      cost: trainingCost,
    },
    needsKey: true,
    configHint: 'set OPENAI_API_KEY',
    shutdownDates: true,
    dedicatedEndpoints: false,
    confidences: true,
  },
  lifecycle: OPENAI_LIFECYCLE,

  connect: (settings) => {
    const connection = {
      apiKey: settings.apiKey ?? '',
      baseUrl: settings.baseUrl,
      organization: settings.organization,
      project: settings.project,
      timeoutMs: settings.timeoutMs,
      headers: settings.headers,
    };
    return sdkConnection(
      settings,
      () => openAIClient(connection),
      (client, classifier) => ({
        shutdownDate: (model) => openAIFineTuning(client()).shutdownDate(model),
        ...pooledServing({ ...connection, logprobs: settings.logprobs !== false }, classifier),
      }),
    );
  },
};
