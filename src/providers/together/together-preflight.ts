import type Together from 'together-ai';
import type { FinetuneModelLimits } from 'together-ai/resources/fine-tuning';
import {
  type HostedHyperparameters,
  type PlannedJob,
  ProviderError,
  type ProviderPreflightProblem,
  type ProviderPriceEstimate,
} from '../provider.js';

/**
 * Pre-flight lookups answer within this, once (the dry run and creation wait on them): a slower
 * or failed answer is no answer, and the job goes on without the check.
 */
const LOOKUP = { timeout: 5_000, maxRetries: 0 } as const;

/** Together's documented default learning rate, which `learning_rate_multiplier` scales. */
export const DEFAULT_LEARNING_RATE = 1e-5;

const numberOf = (value: number | 'auto' | undefined): number | undefined =>
  typeof value === 'number' ? value : undefined;

/**
 * The hyperparameters outside the model's limits. Tuneline trains LoRA (the model's own rank,
 * which it never sets), so the LoRA batch sizes are the ones that apply.
 */
export function outOfLimits(given: HostedHyperparameters, limits: FinetuneModelLimits): ProviderPreflightProblem[] {
  const problems: ProviderPreflightProblem[] = [];
  const refuse = (name: string, message: string) =>
    problems.push({ code: 'hyperparameter_out_of_range', field: `hyperparameters.${name}`, message });
  const epochs = numberOf(given.n_epochs);
  if (epochs !== undefined && (epochs < 1 || epochs > limits.max_num_epochs))
    refuse('n_epochs', `${limits.model_name} trains 1 to ${limits.max_num_epochs} epochs; ${epochs} asked`);
  const batch = numberOf(given.batch_size);
  const lora = limits.lora_training;
  if (batch !== undefined && (batch < lora.min_batch_size || batch > lora.max_batch_size))
    refuse(
      'batch_size',
      `${limits.model_name} trains LoRA with batches of ${lora.min_batch_size} to ${lora.max_batch_size}; ${batch} asked`,
    );
  const multiplier = numberOf(given.learning_rate_multiplier);
  const rate = multiplier === undefined ? undefined : multiplier * DEFAULT_LEARNING_RATE;
  if (rate !== undefined && (rate < limits.min_learning_rate || rate > limits.max_learning_rate))
    refuse(
      'learning_rate_multiplier',
      `${limits.model_name} takes learning rates of ${limits.min_learning_rate} to ${limits.max_learning_rate}; the multiplier ${multiplier} makes ${rate} (of Together's default ${DEFAULT_LEARNING_RATE})`,
    );
  return problems;
}

/** Whether Together fine-tunes the model (GET /fine-tunes/models/supported), then the job against its limits. */
export async function togetherPreflight(client: Together, job: PlannedJob): Promise<ProviderPreflightProblem[]> {
  const { models } = await client.get<{ models?: unknown }>('/fine-tunes/models/supported', LOOKUP);
  if (!Array.isArray(models))
    throw new ProviderError('retryable', 'invalid_response', 'Together listed no supported models.');
  if (!models.includes(job.model))
    return [
      {
        code: 'unsupported_base_model',
        field: 'base_model',
        message: `Together does not fine-tune ${job.model} (it is not among GET /fine-tunes/models/supported)`,
      },
    ];
  return outOfLimits(job.hyperparameters, await client.fineTuning.modelLimits({ model_name: job.model }, LOOKUP));
}

/**
 * Together's price for the job (POST /fine-tunes/estimate-price, in dollars). Epochs left to
 * Together are left out here too, so the estimate is of what Together will train (its default).
 */
export async function togetherPrice(
  client: Together,
  job: PlannedJob,
  trainingFile: string,
): Promise<ProviderPriceEstimate> {
  const epochs = numberOf(job.hyperparameters.n_epochs);
  const answer = await client.fineTuning.estimatePrice(
    { training_file: trainingFile, model: job.model, ...(epochs !== undefined ? { n_epochs: epochs } : {}) },
    LOOKUP,
  );
  if (answer.estimation_available === false)
    return { available: false, reason: String(answer.unavailable_reason ?? 'estimation_unavailable') };
  const price = answer.estimated_total_price;
  return typeof price === 'number' && Number.isFinite(price) && price >= 0
    ? { available: true, usd: price }
    : { available: false, reason: 'no_price_in_answer' };
}
