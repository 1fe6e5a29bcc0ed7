import { countTokens } from '../../domain/datasets/tokens.js';
import { chatMessages, maxAnswerTokens } from '../../domain/labeling/prompt.js';
import type { PromptConfig } from '../../domain/labeling/prompt-config.js';
import { tokenStrings } from '../../domain/labeling/token-strings.js';
import { inferenceCost, type PriceOverrides } from '../../domain/pricing.js';
import type { ProviderRateLimiter, RateBudget } from '../../lib/provider-rate-limiter.js';
import { ProviderError, type Classifier, type ClassifyOutcome } from '../../providers/provider.js';
import type { ProviderMetrics } from './provider-metrics.js';

/** Thrown to hand a chunk back to its queue after a 429: the processor turns it into a queue-wide pause. */
export class ProviderRateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`provider rate limit: retry in ${retryAfterMs} ms`);
  }
}

/** The provider refuses every call (no quota, bad key, model gone): the whole run must stop. */
export class RunFatalError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** This one text was rejected (and retrying will not help): record it and go on. */
export class ItemFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const RUN_FATAL = new Set([
  'insufficient_quota',
  'invalid_api_key',
  'model_not_found',
  'permission_denied',
  'training_not_available',
]);
// Per-message framing the chat format adds on top of the texts.
const MESSAGE_OVERHEAD_TOKENS = 4;
const TRANSIENT_RETRIES = 3;

export interface CallTarget {
  classifier: Classifier;
  prompt: PromptConfig;
  /** Rate limits apply to remote providers only. */
  budget?: RateBudget;
}

/**
 * One classification under the shared rate limits, as labeling and evaluation both make them:
 * wait for budget, call, retry transient failures a few times, correct the token estimate, and
 * turn every failure into what the caller must do about it.
 */
export const providerCalls = (deps: {
  limiter: Pick<ProviderRateLimiter, 'acquire' | 'settle' | 'observe' | 'pause'>;
  priceOverrides: PriceOverrides;
  metrics: Pick<ProviderMetrics, 'succeeded' | 'failed'>;
}) => {
  const reservedTokens = (target: CallTarget) =>
    maxAnswerTokens(
      target.prompt.labels.map((label) => label.name),
      tokenStrings(target.classifier.model),
    );
  /**
   * Providers charge a request against tokens-per-minute as its prompt plus the completion tokens
   * it may use, before it runs; the estimate counts the same way, and settle() corrects it.
   */
  const promptTokens = (target: CallTarget, text: string) =>
    chatMessages(target.prompt, text).reduce(
      (sum, message) => sum + countTokens(message.content, target.classifier.model) + MESSAGE_OVERHEAD_TOKENS,
      0,
    );

  /** One call, measured: latency, tokens and cost, or the error code (429s counted apart). */
  const measuredCall = async (target: CallTarget, text: string, signal?: AbortSignal) => {
    const { provider, model } = target.classifier;
    const started = performance.now();
    try {
      const answer = await target.classifier.classify(text, target.prompt, signal);
      deps.metrics.succeeded(
        provider,
        model,
        answer,
        inferenceCost(model, answer.usage, deps.priceOverrides),
        (performance.now() - started) / 1000,
      );
      return answer;
    } catch (error) {
      const providerError = error instanceof ProviderError ? error : undefined;
      deps.metrics.failed(
        provider,
        model,
        providerError?.code ?? 'error',
        providerError?.details.status,
        (performance.now() - started) / 1000,
      );
      throw error;
    }
  };

  const withRetries = async (target: CallTarget, text: string, signal?: AbortSignal) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await measuredCall(target, text, signal);
      } catch (error) {
        const transient = error instanceof ProviderError && error.retryable && error.details.status !== 429;
        if (!transient || attempt >= TRANSIENT_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  };

  return {
    async classify(
      target: CallTarget,
      text: string,
      signal?: AbortSignal,
    ): Promise<{ answer: ClassifyOutcome; costUsd: number | null }> {
      const { classifier } = target;
      const limitKey = `${classifier.provider}:${classifier.model}`;
      const reserved = target.budget ? reservedTokens(target) : 0;
      const estimate = target.budget ? promptTokens(target, text) + reserved : 0;
      if (target.budget) await deps.limiter.acquire(limitKey, target.budget, estimate, signal);
      try {
        const answer = await withRetries(target, text, signal);
        if (target.budget) {
          await deps.limiter.settle(limitKey, target.budget, estimate, answer.usage.inputTokens + reserved);
          await deps.limiter.observe(limitKey, answer.rateLimit, estimate * 2);
        }
        return { answer, costUsd: inferenceCost(classifier.model, answer.usage, deps.priceOverrides) };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (RUN_FATAL.has(error.code) || (!error.retryable && error.details.status === 429)) {
          throw new RunFatalError(error.code, error.message);
        }
        if (error.details.status === 429) {
          // The provider's own limit (ours was too generous, or shared with others): everyone waits.
          const wait = error.details.retryAfterMs ?? 1_000;
          await deps.limiter.pause(limitKey, wait);
          throw new ProviderRateLimited(wait);
        }
        // Still failing after retries: the job is retried later. Rejected for this text alone: record it.
        if (error.retryable) throw error;
        throw new ItemFailedError(error.code, error.message);
      }
    },
  };
};

export type ProviderCalls = ReturnType<typeof providerCalls>;
