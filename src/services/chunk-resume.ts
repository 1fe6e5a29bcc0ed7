import type { JobSpec, QueueName, Queues } from '../queues/queue-registry.js';

/**
 * The resume chore for work split into chunk jobs (label runs, evaluations): queue the chunks
 * again (a no-op for those still there), unless one failed for good in the queue: then fail the
 * record with the queue's reason, because adding that job again under its id would be ignored and
 * the record would stay running for ever.
 */
export async function resumeChunks<N extends QueueName>(
  queues: Pick<Queues, 'firstFailed' | 'enqueueMany'>,
  queue: N,
  jobs: JobSpec<N>[],
  fail: (message: string) => Promise<unknown>,
): Promise<void> {
  const failed = await queues.firstFailed(
    queue,
    jobs.map((job) => job.jobId),
  );
  if (failed) await fail(`its chunk job ${failed.jobId} failed in the queue: ${failed.reason}`);
  else await queues.enqueueMany(queue, jobs);
}
