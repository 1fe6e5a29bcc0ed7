import { AzureOpenAI } from 'openai';
import { keepAliveFetch } from '../keep-alive-fetch.js';
import { openAIProvider } from '../openai/openai-provider.js';
import { sdkConnection } from '../openai/sdk-connection.js';
import type { ConnectionSettings, ProviderDefinition } from '../provider.js';

/**
 * The OpenAI SDK's Azure client: `base_url` is the resource endpoint, the key goes in the
 * `api-key` header, every call carries `api-version`, and a request's model is a deployment name
 * (the SDK puts it in the path). No retries of its own, as for OpenAI (see ../openai/openai-classifier.ts).
 */
function azureClient(settings: ConnectionSettings): AzureOpenAI {
  return new AzureOpenAI({
    endpoint: settings.baseUrl,
    apiKey: settings.apiKey ?? '',
    apiVersion: settings.apiVersion ?? '',
    maxRetries: 0,
    timeout: settings.timeoutMs,
    fetch: keepAliveFetch(),
    ...(settings.headers ? { defaultHeaders: { ...settings.headers } } : {}),
  });
}

/**
 * `azure-openai`: Azure OpenAI, the same shape as OpenAI with deployments as models: labeling,
 * prompt-only and fine-tuned models, and fine-tuning through the OpenAI adapter. Azure retires
 * models on its own schedule, which its API does not announce, so no shutdown dates. Nor does it use
 * OpenAI's dated table: a request names a deployment, whose base model the data-plane API does not
 * tell, so no model list and no table (a deployment called `gpt-4o` may serve anything).
 */
export const azureOpenAIProvider: ProviderDefinition = {
  capabilities: {
    ...openAIProvider.capabilities,
    configHint: null,
    shutdownDates: false,
    dedicatedEndpoints: false,
    confidences: true,
  },

  connect: (settings) => ({
    ...sdkConnection(settings, () => azureClient(settings)),
    listModels: undefined,
    listsShutdownDates: false,
  }),
};
