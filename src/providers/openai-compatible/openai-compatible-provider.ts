import { connectionOverrides } from '../connection-overrides.js';
import { openAIClient } from '../openai/openai-classifier.js';
import { openAIProvider } from '../openai/openai-provider.js';
import { sdkConnection } from '../openai/sdk-connection.js';
import { pooledServing } from '../openai/serving-classifier.js';
import type { ProviderDefinition } from '../provider.js';

/**
 * `openai-compatible`: a server speaking OpenAI's chat API (vLLM, Ollama, llama.cpp server,
 * Nebius, ...) through the OpenAI SDK at the connection's base URL: labeling, prompt-only models
 * and classify. Logprobs are asked for, unless the connection says the server gives none
 * (`logprobs: false`; some refuse the parameter); an answer without them gets its label from the
 * text, with confidence null. It trains only when the connection says the server implements
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
    dedicatedEndpoints: false,
    confidences: true,
  },

  connect: (settings) => {
    const connection = {
      // The SDK insists on a key; a server that wants none ignores it.
      apiKey: settings.apiKey ?? 'none',
      baseUrl: settings.baseUrl,
      timeoutMs: settings.timeoutMs,
      headers: settings.headers,
    };
    return {
      ...sdkConnection(
        settings,
        () => openAIClient(connection),
        (_client, classifier) => pooledServing({ ...connection, logprobs: settings.logprobs !== false }, classifier),
      ),
      // Local servers often need no key; a connection naming `api_key_env` needs that variable set.
      configured: !settings.apiKeyEnv || Boolean(settings.apiKey),
      capabilities: {
        ...connectionOverrides(settings),
        ...(settings.fineTuning ? { training: openAIProvider.capabilities.training } : {}),
        // A server known to give no logprobs: none are asked for, and its models have no confidences.
        ...(settings.logprobs === false ? { confidences: false } : {}),
      },
    };
  },
};
