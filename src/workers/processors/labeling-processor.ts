import { RateLimitError, type Job } from 'bullmq';
import { ProviderRateLimited, type LabelChunkRunner } from '../../services/labeling/label-chunk-runner.js';
import type { LabelingJob, Queues } from '../queues.js';

/**
 * Runs one chunk of a labeling run. After a provider 429 the whole labeling queue pauses for the
 * provider's retry-after and the chunk goes back to waiting, without spending one of its attempts:
 * retries would only meet the same limit.
 */
export const labelingProcessor =
  ({ runner, queues }: { runner: LabelChunkRunner; queues: Queues }) =>
  // The third parameter tells BullMQ to pass an abort signal, which the pool fires on shutdown.
  async (job: Job<LabelingJob>, _token?: string, signal?: AbortSignal) => {
    try {
      return await runner.run(job.data, signal);
    } catch (error) {
      if (!(error instanceof ProviderRateLimited)) throw error;
      await queues.get('labeling').rateLimit(error.retryAfterMs);
      throw new RateLimitError();
    }
  };
