import { Queue, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';

/**
 * The typed queue registry shared by the API (producer) and the workers (consumers). Payloads
 * carry ids, not rows, and a version number so their shape can evolve while jobs are in flight.
 */
export interface QueuePayloads {
  housekeeping: HousekeepingJob;
  labeling: LabelingJob;
  training: TrainingJob;
  evaluation: EvaluationJob;
}

export type HousekeepingJob = { v: 1; kind: 'purge-revoked-keys' };
/** Items fromSeq (inclusive) to toSeq (exclusive) of a labeling run. */
export type LabelingJob = { v: 1; runId: string; fromSeq: number; toSeq: number };
/** One step of a fine-tune: start it, poll the provider, or cancel it. */
export type TrainingJob = { v: 1; fineTuneId: string; step: 'start' | 'poll' | 'cancel' };
/** Rows fromSeq (inclusive) to toSeq (exclusive) of an evaluation. */
export type EvaluationJob = { v: 1; evaluationId: string; fromSeq: number; toSeq: number };

export type QueueName = keyof QueuePayloads;
export const QUEUE_NAMES = ['housekeeping', 'labeling', 'training', 'evaluation'] as const satisfies readonly QueueName[];

export const isQueueName = (name: string): name is QueueName => (QUEUE_NAMES as readonly string[]).includes(name);

// Bounded retries with backoff, and bounded history so Redis does not grow without limit.
const defaultJobOptions: Record<QueueName, JobsOptions> = {
  housekeeping: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 },
    removeOnFail: { count: 5_000 },
  },
  // Rate limiting pauses jobs without using attempts; attempts cover crashes and provider outages.
  labeling: {
    attempts: 10,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { count: 10_000, age: 24 * 3600 },
    removeOnFail: { count: 10_000 },
  },
  evaluation: {
    attempts: 10,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { count: 10_000, age: 24 * 3600 },
    removeOnFail: { count: 10_000 },
  },
  training: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: { count: 10_000, age: 7 * 24 * 3600 },
    removeOnFail: { count: 10_000 },
  },
};

export interface EnqueueOptions {
  /** Required: a deterministic id makes enqueueing idempotent (BullMQ ignores a duplicate id). */
  jobId: string;
  delay?: number;
}

export interface Queues {
  enqueue<N extends QueueName>(name: N, data: QueuePayloads[N], options: EnqueueOptions): Promise<Job>;
  /** Many jobs, added in bounded batches rather than one huge call. */
  enqueueMany<N extends QueueName>(name: N, jobs: { data: QueuePayloads[N]; jobId: string }[]): Promise<void>;
  get(name: QueueName): Queue;
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(options: { connection: ConnectionOptions; prefix: string; logger: Logger }): Queues {
  const queues = new Map<QueueName, Queue>();
  const get = (name: QueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: options.connection,
        prefix: options.prefix,
        defaultJobOptions: defaultJobOptions[name],
      });
      // Redis outages surface here; ioredis reconnects by itself, so log rather than crash.
      queue.on('error', (error) => options.logger.warn({ err: error, queue: name }, 'queue connection error'));
      queues.set(name, queue);
    }
    return queue;
  };
  return {
    get,
    all: () => QUEUE_NAMES.map(get),
    enqueue: (name, data, { jobId, delay }) => get(name).add(name, data, { jobId, delay }),
    enqueueMany: async (name, jobs) => {
      for (let start = 0; start < jobs.length; start += 200) {
        await get(name).addBulk(jobs.slice(start, start + 200).map(({ data, jobId }) => ({ name, data, opts: { jobId } })));
      }
    },
    close: async () => {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
