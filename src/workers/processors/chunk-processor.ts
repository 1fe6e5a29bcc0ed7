import { RateLimitError, type Job } from 'bullmq';
import { ProviderRateLimited } from '../../services/inference/provider-calls.js';
import type { QueueName, Queues } from '../../queues/queue-registry.js';

/**
 * Runs one chunk of a labeling run or an evaluation. After a provider 429 the whole queue pauses
 * for the provider's retry-after and the chunk goes back to waiting, without spending one of its
 * attempts: retries would only meet the same limit.
 */
export const chunkProcessor =
  <T>(queue: QueueName, queues: Queues, run: (data: T, signal?: AbortSignal) => Promise<unknown>) =>
  // The third parameter tells BullMQ to pass an abort signal, which the pool fires on shutdown.
  async (job: Job<T>, _token?: string, signal?: AbortSignal) => {
    try {
      return await run(job.data, signal);
    } catch (error) {
      if (!(error instanceof ProviderRateLimited)) throw error;
      await queues.get(queue).rateLimit(error.retryAfterMs);
      throw new RateLimitError();
    }
  };
