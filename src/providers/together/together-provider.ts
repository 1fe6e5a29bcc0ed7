import type Together from 'together-ai';
import type { PriceOverrides } from '../../domain/pricing.js';
import type { ProviderDefinition } from '../provider.js';
import { connectionOverrides } from '../connection-overrides.js';
import { togetherEndpoints } from './together-endpoints.js';
import {
  createTogetherClassifier,
  listTogetherModels,
  probeTogetherModels,
  togetherClient,
} from './together-classifier.js';
import { togetherFineTuning } from './together-fine-tuning.js';

/**
 * USD for training at Together by the price table. Its API and docs price jobs by model size band,
 * method and type but give no per-token figures (only the pricing page does, and it changes), so
 * Together models are unpriced here unless PRICE_OVERRIDES names the base model with a `training`
 * price. This is only the fallback: a dry run asks Together's estimate-price, and a finished job's
 * cost is its own `total_price`, Together's bill.
 */
function trainingCost(model: string, tokens: number, overrides?: PriceOverrides): number | null {
  const price = overrides && Object.hasOwn(overrides, model) ? overrides[model]?.training : undefined;
  return price === undefined ? null : (tokens * price) / 1_000_000;
}

/**
 * `together`: Together AI (TOGETHER_BASE_URL) through its official SDK: labeling and prompt-only
 * models on its serverless chat models, hosted fine-tuning (LoRA by default), and serving the
 * fine-tuned models serverless where Together serves them so, and on dedicated endpoints
 * (billed per minute) that Tuneline starts when asked and stops when their model leaves service.
 */
/*
 * No dated table: Together publishes no shutdown dates Tuneline could cite (its API's ModelInfo
 * has none, and its deprecations are announced per model by e-mail), so none are invented here.
 */
export const togetherProvider: ProviderDefinition = {
  capabilities: {
    runs: 'hosted',
    classifies: true,
    defaultModel: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',
    training: {
      kind: 'fine_tuned',
      defaultBaseModel: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
      nameTag: 'tg',
      // Together trains a fine-tune further from its job (`from_checkpoint`), on the same base.
      continues: 'from_job',
      // Together's conversational format is Tuneline's chat export: `messages` with a system
      // turn, then user and assistant alternating, nothing else on the line.
      fileFormat: () => 'openai-chat',
      // Left out of the job when a request gives none (or `auto`), as Together's own default.
      defaultEpochs: 1,
      cost: trainingCost,
    },
    needsKey: true,
    configHint: 'set TOGETHER_API_KEY',
    shutdownDates: false,
    dedicatedEndpoints: true,
    confidences: true,
  },

  connect(together) {
    // One client for every call, created on first use.
    let client: Together | undefined;
    const sharedClient = () =>
      (client ??= togetherClient({
        apiKey: together.apiKey ?? '',
        baseUrl: together.baseUrl,
        timeoutMs: together.timeoutMs,
      }));
    return {
      configured: Boolean(together.apiKey),
      capabilities: connectionOverrides(together),
      baseUrl: together.baseUrl,
      probe: (signal) => probeTogetherModels(sharedClient(), signal),
      classifier: (spec) => createTogetherClassifier(sharedClient(), spec.model),
      defaultBudget: { rpm: together.rpm, tpm: together.tpm },
      fineTuning: () => togetherFineTuning(sharedClient()),
      dedicatedEndpoints: () => togetherEndpoints(sharedClient()),
      listModels: (signal) => listTogetherModels(sharedClient(), signal),
      // Its ModelInfo has no shutdown or deprecation field (together-openapi), so the list only says what exists.
      listsShutdownDates: false,
    };
  },
};
