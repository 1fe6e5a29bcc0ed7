import type OpenAI from 'openai';
import { connectionOverrides } from '../connection-overrides.js';
import { createOpenAIClassifier, openAIClient, probeModels } from '../openai/openai-classifier.js';
import { openAIFineTuning } from '../openai/openai-fine-tuning.js';
import { openAIProvider } from '../openai/openai-provider.js';
import type { ProviderDefinition } from '../provider.js';

/**
 * `openai-compatible`: a server speaking OpenAI's chat API (vLLM, Ollama, llama.cpp server,
 * Nebius, ...) through the OpenAI SDK at the connection's base URL: labeling, prompt-only models
 * and classify. Logprobs are asked for; a server that answers without them gets its label from the
 * answer text, with confidence null. It trains only when the connection says the server implements
 * OpenAI's fine-tuning job API (`fine_tuning: true`); no shutdown dates are announced.
 */
export const openAICompatibleProvider: ProviderDefinition = {
  capabilities: {
    runs: 'hosted',
    classifies: true,
    // Rarely served under this name: a connection names its server's model (`default_model`).
    defaultModel: openAIProvider.capabilities.defaultModel,
    training: null,
    // Local servers often need none; a connection naming `api_key_env` needs that variable set.
    needsKey: false,
    configHint: null,
    shutdownDates: false,
  },

  connect(settings) {
    let client: OpenAI | undefined;
    const sharedClient = () =>
      (client ??= openAIClient({
        // The SDK insists on a key; a server that wants none ignores it.
        apiKey: settings.apiKey ?? 'none',
        baseUrl: settings.baseUrl,
        timeoutMs: settings.timeoutMs,
        headers: settings.headers,
      }));
    return {
      configured: !settings.apiKeyEnv || Boolean(settings.apiKey),
      capabilities: {
        ...connectionOverrides(settings),
        ...(settings.fineTuning ? { training: openAIProvider.capabilities.training } : {}),
      },
      baseUrl: settings.baseUrl,
      probe: (signal) => probeModels(sharedClient(), signal),
      classifier: (spec) => createOpenAIClassifier(sharedClient(), spec.model, spec.labelCodes),
      defaultBudget: { rpm: settings.rpm, tpm: settings.tpm },
      fineTuning: () => openAIFineTuning(sharedClient()),
    };
  },
};
