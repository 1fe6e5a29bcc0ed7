import type OpenAI from 'openai';
import { connectionOverrides } from '../connection-overrides.js';
import type { ConnectionSettings, ProviderConnection } from '../provider.js';
import { createOpenAIClassifier, listModels, probeModels } from './openai-classifier.js';
import { openAIFineTuning } from './openai-fine-tuning.js';

/**
 * A connection served through the OpenAI SDK (OpenAI itself, Azure OpenAI, compatible servers):
 * one client for every call, created on first use; classify, probe and fine-tune through it. Each
 * kind says how its client is made and what it adds (shutdown dates, training).
 */
export function sdkConnection(
  settings: ConnectionSettings,
  makeClient: () => OpenAI,
  extra: (
    client: () => OpenAI,
    classifier: ProviderConnection['classifier'],
  ) => Partial<ProviderConnection> = () => ({}),
): ProviderConnection {
  let client: OpenAI | undefined;
  const sharedClient = () => (client ??= makeClient());
  const classifier: ProviderConnection['classifier'] = (spec) =>
    createOpenAIClassifier(sharedClient(), spec.model, spec.labelCodes, { logprobs: settings.logprobs !== false });
  return {
    configured: Boolean(settings.apiKey),
    capabilities: connectionOverrides(settings),
    baseUrl: settings.baseUrl,
    probe: (signal) => probeModels(sharedClient(), signal),
    classifier,
    defaultBudget: { rpm: settings.rpm, tpm: settings.tpm },
    fineTuning: () => openAIFineTuning(sharedClient()),
    listModels: (signal) => listModels(sharedClient(), signal),
    // OpenAI's list dates each model; a compatible server that sends no `shutdown_date` lists none.
    listsShutdownDates: true,
    ...extra(sharedClient, classifier),
  };
}
