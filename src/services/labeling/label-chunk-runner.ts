import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { LabelRunsRepository } from '../../db/repositories/label-runs-repository.js';
import type { LabelRunRecord } from '../../db/schema/label-runs.js';
import { countTokens } from '../../domain/datasets/tokens.js';
import { chatMessages, maxAnswerTokens } from '../../domain/labeling/prompt.js';
import { tokenStrings } from '../../domain/labeling/token-strings.js';
import { inferenceCost, type PriceOverrides } from '../../domain/pricing.js';
import type { ProviderRateLimiter } from '../../lib/provider-rate-limiter.js';
import { ProviderError, type Classifier, type PromptConfig } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { LabelingJob } from '../../workers/queues.js';
import type { LabelRunFinalizer } from './label-run-finalizer.js';
import { runParams } from './label-run-params.js';

/** Thrown to hand a chunk back to the queue after a 429: the processor turns it into a queue-wide pause. */
export class ProviderRateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`provider rate limit: retry in ${retryAfterMs} ms`);
  }
}

// Errors that doom the whole run rather than one example: no point calling again.
const RUN_FATAL = new Set(['insufficient_quota', 'invalid_api_key', 'model_not_found', 'permission_denied', 'training_not_available']);
// Per-message framing the chat format adds on top of the texts.
const MESSAGE_OVERHEAD_TOKENS = 4;
const TRANSIENT_RETRIES = 3;

export interface ChunkDeps {
  runs: LabelRunsRepository;
  rows: DatasetRowsRepository;
  providers: Providers;
  limiter: ProviderRateLimiter;
  finalizer: LabelRunFinalizer;
  priceOverrides: PriceOverrides;
}

export const labelChunkRunner = (deps: ChunkDeps) => {
  /**
   * Providers charge a request against tokens-per-minute as its prompt plus the completion tokens
   * it may use, before it runs; the estimate counts the same way, and `settle` corrects it with
   * the prompt tokens the provider reports.
   */
  const answerTokens = (run: LabelRunRecord, prompt: PromptConfig) =>
    maxAnswerTokens(prompt.labels.map((label) => label.name), tokenStrings(run.model));
  const promptTokens = (run: LabelRunRecord, prompt: PromptConfig, text: string) =>
    chatMessages(prompt, text).reduce((sum, message) => sum + countTokens(message.content, run.model) + MESSAGE_OVERHEAD_TOKENS, 0);

  /** Still worth working on? Re-read for every example so cancel and failure take effect at once. */
  const stillActive = async (runId: string) => {
    const run = await deps.runs.findById(runId);
    return run && (run.status === 'running' || run.status === 'queued') && !run.stopReason ? run : undefined;
  };

  const classifyWithRetries = async (classifier: Classifier, text: string, prompt: PromptConfig, signal?: AbortSignal) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await classifier.classify(text, prompt, signal);
      } catch (error) {
        const transient = error instanceof ProviderError && error.retryable && error.code !== 'rate_limit_exceeded';
        if (!transient || attempt >= TRANSIENT_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  };

  return {
    async run(job: LabelingJob, signal?: AbortSignal): Promise<{ answered: number }> {
      let run = await stillActive(job.runId);
      if (!run) return { answered: 0 };
      if (run.status === 'queued') {
        run = (await deps.runs.transition(run.id, ['queued'], 'running', { startedAt: new Date() })) ?? run;
      }
      const params = runParams(run.params);
      const prompt = run.prompt as unknown as PromptConfig & { labelCodes?: Record<string, string> };
      const provider = run.provider as ProviderName;
      const classifier = deps.providers.classifier({ provider, model: run.model, labelCodes: prompt.labelCodes }, prompt);
      const budget = params.rateLimit ?? deps.providers.defaultBudget(provider);
      const limitKey = `${provider}:${run.model}`;
      const limited = provider !== 'local';
      const reserved = answerTokens(run, prompt);

      const pending = await deps.runs.pendingItems(run.id, job.fromSeq, job.toSeq);
      const texts = await deps.rows.textsByIds(pending.map((item) => item.exampleId));
      let answered = 0;
      for (const item of pending) {
        // Shutting down: give the rest of the chunk back (the job fails and is retried elsewhere).
        signal?.throwIfAborted();
        const current = await stillActive(run.id);
        if (!current) return { answered };
        if (params.maxCostUsd !== undefined && (await deps.runs.progress(run.id)).costUsd >= params.maxCostUsd) {
          await deps.runs.update(run.id, { stopReason: 'max_cost' });
          break;
        }
        const text = texts.get(item.exampleId) ?? '';
        const estimate = limited ? promptTokens(run, prompt, text) + reserved : 0;
        if (limited) await deps.limiter.acquire(limitKey, budget, estimate, signal);
        try {
          const answer = await classifyWithRetries(classifier, text, prompt, signal);
          const recorded = await deps.runs.recordResult({
            runId: run.id,
            exampleId: item.exampleId,
            status: answer.label === null ? 'unparseable' : 'labeled',
            label: answer.label,
            confidence: answer.confidence,
            probabilities: answer.probabilities,
            rawOutput: answer.rawOutput.slice(0, 1_000),
            inputTokens: answer.usage.inputTokens,
            outputTokens: answer.usage.outputTokens,
            costUsd: inferenceCost(run.model, answer.usage, deps.priceOverrides),
            latencyMs: Math.round(answer.latencyMs),
          });
          if (recorded) answered += 1;
          if (limited) {
            await deps.limiter.settle(limitKey, budget, estimate, answer.usage.inputTokens + reserved);
            await deps.limiter.observe(limitKey, answer.rateLimit, estimate * 2);
          }
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          if (RUN_FATAL.has(error.code) || (!error.retryable && error.details.status === 429)) {
            await deps.runs.transition(run.id, ['queued', 'running'], 'failed', {
              errorCode: error.code,
              errorMessage: error.message,
              finishedAt: new Date(),
            });
            return { answered };
          }
          if (error.details.status === 429) {
            // The provider's own limit (ours was too generous, or shared with others): everyone waits.
            const wait = error.details.retryAfterMs ?? 1_000;
            await deps.limiter.pause(limitKey, wait);
            throw new ProviderRateLimited(wait);
          }
          // Still failing after retries, or rejected for this text alone: record it and go on.
          if (error.retryable) throw error;
          await deps.runs.recordResult({
            runId: run.id,
            exampleId: item.exampleId,
            status: 'failed',
            errorCode: error.code,
            errorMessage: error.message.slice(0, 1_000),
          });
        }
      }
      await deps.finalizer.finalizeIfDone(run.id);
      return { answered };
    },
  };
};

export type LabelChunkRunner = ReturnType<typeof labelChunkRunner>;
