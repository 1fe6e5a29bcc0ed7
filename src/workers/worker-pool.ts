import { Worker } from 'bullmq';
import { Histogram, type Registry } from 'prom-client';
import { sharedMetric } from '../lib/metrics.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Processors } from './processors/index.js';
import type { QueueName, Queues } from '../queues/queue-registry.js';

export interface WorkerPoolOptions {
  queueNames: QueueName[];
  concurrency: number;
  /** A crashed worker's jobs are taken over after this long (BullMQ lock duration and stall check). */
  lockMs: number;
  connection: Redis;
  prefix: string;
  processors: Processors;
  queues: Pick<Queues, 'get'>;
  logger: Logger;
  metrics: Registry;
  /** In-process chores run at start and then every `everyMs` while the pool runs. */
  recurring?: { name: string; everyMs: number; run: () => Promise<unknown> }[];
}

export interface WorkerPool {
  /** Stops taking jobs and waits for the active ones to finish. */
  close(): Promise<void>;
}

/** How often workers look for jobs whose worker died (their lock ran out). */
const stalledCheckMs = (lockMs: number): number => Math.max(250, Math.round(lockMs / 4));

// Housekeeping chores on schedules; upserting keeps one schedule each however many workers start.
// Dead API keys are purged daily; champions are checked against their models' shutdown dates
// every 6 hours (the catalogue keeps provider model lists an hour, so each check reads them once).
const HOUSEKEEPING_SCHEDULES = [
  { id: 'purge-revoked-keys-daily', every: 24 * 3600 * 1000, kind: 'purge-revoked-keys' },
  { id: 'check-model-shutdowns', every: 6 * 3600 * 1000, kind: 'check-model-shutdowns' },
] as const;

export async function startWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const { logger } = options;
  const durations = sharedMetric(
    options.metrics,
    'tuneline_job_duration_seconds',
    () =>
      new Histogram({
        name: 'tuneline_job_duration_seconds',
        help: 'Time a job attempt took on a worker, by queue and outcome',
        labelNames: ['queue', 'outcome'] as const,
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
        registers: [options.metrics],
      }),
  );
  const timeOf = (job: { processedOn?: number; finishedOn?: number } | undefined) =>
    job?.processedOn && job.finishedOn ? (job.finishedOn - job.processedOn) / 1000 : undefined;
  const workers = options.queueNames.map((name) => {
    const worker = new Worker(name, options.processors[name] as Processors[QueueName] as never, {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      // A killed worker's lock runs out ½-1 × lockMs after its last renewal; BullMQ takes the job
      // over at the first stalled check that finds it (already marked by an earlier check)
      // without a lock. Checking every lockMs made that up to 3 × lockMs; every lockMs/4 bounds
      // it by 1¼ × lockMs. One check runs per queue per interval, whatever the number of workers.
      stalledInterval: stalledCheckMs(options.lockMs),
    });
    worker.on('failed', (job, error) => {
      const seconds = timeOf(job);
      if (seconds !== undefined) durations.observe({ queue: name, outcome: 'failed' }, seconds);
      logger.warn({ queue: name, jobId: job?.id, attempt: job?.attemptsMade, err: error }, 'job failed');
    });
    worker.on('completed', (job) => {
      const seconds = timeOf(job);
      if (seconds !== undefined) durations.observe({ queue: name, outcome: 'completed' }, seconds);
      logger.info({ queue: name, jobId: job.id }, 'job completed');
    });
    worker.on('error', (error) => logger.error({ queue: name, err: error }, 'worker error'));
    return worker;
  });
  if (options.queueNames.includes('housekeeping')) {
    for (const schedule of HOUSEKEEPING_SCHEDULES) {
      await options.queues
        .get('housekeeping')
        .upsertJobScheduler(
          schedule.id,
          { every: schedule.every },
          { name: 'housekeeping', data: { v: 1, kind: schedule.kind } },
        );
    }
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  const timers = (options.recurring ?? []).map((chore) => {
    const run = () =>
      chore.run().catch((error: unknown) => logger.warn({ err: error, chore: chore.name }, 'recurring chore failed'));
    void run();
    return setInterval(run, chore.everyMs);
  });
  logger.info({ queues: options.queueNames, concurrency: options.concurrency }, 'workers started');
  return {
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      // Processors that take an abort signal (long, resumable jobs such as labeling chunks) stop
      // between items and are retried elsewhere; the others finish what they are doing.
      for (const worker of workers) worker.cancelAllJobs('worker shutting down');
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
