/**
 * What every model provider offers Tuneline: classify one text under a prompt configuration.
 * `openai` reaches any OpenAI-compatible endpoint through the official SDK; `local` runs
 * in-process classifiers with no network. Providers never retry on their own: a ProviderError
 * says whether retrying makes sense, and the caller's rate limiter decides when.
 */

export interface LabelSpec {
  name: string;
  description?: string;
}

export interface FewShotExample {
  text: string;
  label: string;
}

export interface PromptConfig {
  /** The task's instructions: the system message. */
  instructions: string;
  labels: LabelSpec[];
  /** Optional user/assistant pairs shown before the text. */
  fewShot: FewShotExample[];
  /**
   * Prompt the model exactly as its training data was formatted (the instructions alone as the
   * system message): set for models fine-tuned on Tuneline's exports.
   */
  asTrained?: boolean;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ClassifyResult {
  /** A label of the task, or null when the model's answer matched none (unparseable). */
  label: string | null;
  /** Probability per task label (may sum to less than 1 when mass went to non-labels). */
  probabilities: Record<string, number>;
  /** Probability of `label`, or null when unknown. */
  confidence: number | null;
  /** What the model actually answered, for the record. */
  rawOutput: string;
  usage: Usage;
  latencyMs: number;
}

/** Rate-limit state a provider reported with its answer (x-ratelimit-* headers). */
export interface RateLimitSnapshot {
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

export interface ClassifyOutcome extends ClassifyResult {
  rateLimit?: RateLimitSnapshot;
  /** What was odd in the provider's answer and corrected (usage counts clamped, ...), for the metrics. */
  oddities?: string[];
}

export interface Classifier {
  /** Which provider and model answered, for records and price lookups. */
  readonly provider: string;
  readonly model: string;
  classify(text: string, prompt: PromptConfig, signal?: AbortSignal): Promise<ClassifyOutcome>;
}

export type ProviderErrorKind = 'retryable' | 'permanent';

/**
 * A failed provider call. `code` is the provider's error code when it gave one
 * (rate_limit_exceeded, insufficient_quota, model_not_found, training_not_available, ...),
 * otherwise a Tuneline code (timeout, connection_error, server_error, ...).
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    readonly code: string,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; rateLimit?: RateLimitSnapshot } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }

  /** The model is gone for good (retired or never existed): take it out of service. */
  get modelGone(): boolean {
    return this.code === 'model_not_found';
  }
}
