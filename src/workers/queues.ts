import { FlowProducer, Queue, type ConnectionOptions, type FlowJob, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { StepName } from '../domain/pipelines/steps.js';

/**
 * The typed queue registry shared by the API (producer) and the workers (consumers). Payloads
 * carry ids, not rows, and a version number so their shape can evolve while jobs are in flight.
 */
export interface QueuePayloads {
  housekeeping: HousekeepingJob;
  labeling: LabelingJob;
  training: TrainingJob;
  evaluation: EvaluationJob;
  pipelines: PipelineJob;
}

export type HousekeepingJob = { v: 1; kind: 'purge-revoked-keys' };
/** Items fromSeq (inclusive) to toSeq (exclusive) of a labeling run. */
export type LabelingJob = { v: 1; runId: string; fromSeq: number; toSeq: number };
/** One step of a fine-tune: start it, poll the provider, or cancel it. */
export type TrainingJob = { v: 1; fineTuneId: string; step: 'start' | 'poll' | 'cancel' };
/**
 * A fine-tune's training job. Its id, one per step (polls numbered), makes queueing it again a
 * no-op while it is queued, running or kept as done or failed.
 */
export const trainingJob = (fineTuneId: string, step: TrainingJob['step'], poll?: number) => ({
  data: { v: 1 as const, fineTuneId, step },
  jobId: step === 'poll' ? `ft-${fineTuneId}-poll-${poll}` : `ft-${fineTuneId}-${step}`,
});
/** Rows fromSeq (inclusive) to toSeq (exclusive) of an evaluation. */
export type EvaluationJob = { v: 1; evaluationId: string; fromSeq: number; toSeq: number };
/** One step of a pipeline run (attempt: which retry of the pipeline scheduled it). */
export type PipelineJob = { v: 1; pipelineId: string; step: StepName; attempt: number };

export type QueueName = keyof QueuePayloads;
export const QUEUE_NAMES = ['housekeeping', 'labeling', 'training', 'evaluation', 'pipelines'] as const satisfies readonly QueueName[];

export const isQueueName = (name: string): name is QueueName => (QUEUE_NAMES as readonly string[]).includes(name);

const DAY_SECONDS = 24 * 3600;

/** Bounded retries with exponential backoff, and bounded history so Redis does not grow without limit. */
const retried = (attempts: number, delayMs: number, keep: { completed: number; ageDays: number; failed: number }): JobsOptions => ({
  attempts,
  backoff: { type: 'exponential', delay: delayMs },
  removeOnComplete: { count: keep.completed, age: keep.ageDays * DAY_SECONDS },
  removeOnFail: { count: keep.failed },
});

// Rate limiting pauses chunk jobs without using attempts; attempts cover crashes and provider outages.
const chunkJobs = retried(10, 2_000, { completed: 10_000, ageDays: 1, failed: 10_000 });

const defaultJobOptions: Record<QueueName, JobsOptions> = {
  housekeeping: retried(5, 1_000, { completed: 1_000, ageDays: 7, failed: 5_000 }),
  labeling: chunkJobs,
  evaluation: chunkJobs,
  // A pipeline step mostly waits for other queues' work; its attempts cover crashes and outages.
  pipelines: retried(8, 2_000, { completed: 10_000, ageDays: 7, failed: 10_000 }),
  training: retried(8, 5_000, { completed: 10_000, ageDays: 7, failed: 10_000 }),
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
  /** Why the job failed for good, if it did: undefined while it is queued, running, done or unknown. */
  failedReason(name: QueueName, jobId: string): Promise<string | undefined>;
  /** The first of these jobs that failed for good, with the queue's reason, if any did. */
  firstFailed(name: QueueName, jobIds: string[]): Promise<{ jobId: string; reason: string } | undefined>;
  /**
   * Queues jobs again under their ids for a retry: a job kept as failed or completed runs again
   * with fresh attempts (adding it would be ignored), a missing one is added, a live one is left.
   */
  requeue<N extends QueueName>(name: N, jobs: { data: QueuePayloads[N]; jobId: string }[]): Promise<void>;
  /**
   * A chain of pipeline steps as one BullMQ flow: every child runs before its parent, and a failed
   * child fails its parent, so nothing after a failed step runs.
   */
  addPipelineFlow(steps: { data: PipelineJob; jobId: string }[]): Promise<void>;
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(options: { connection: ConnectionOptions; prefix: string; logger: Logger }): Queues {
  const queues = new Map<QueueName, Queue>();
  let flows: FlowProducer | undefined;
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
    failedReason: async (name, jobId) => {
      const job = await get(name).getJob(jobId);
      return job && (await job.isFailed()) ? job.failedReason : undefined;
    },
    firstFailed: async (name, jobIds) => {
      // In bounded batches: a large run has hundreds of chunk jobs.
      for (let start = 0; start < jobIds.length; start += 50) {
        const jobs = await Promise.all(jobIds.slice(start, start + 50).map((jobId) => get(name).getJob(jobId)));
        for (const job of jobs) if (job && (await job.isFailed())) return { jobId: job.id!, reason: job.failedReason };
      }
      return undefined;
    },
    requeue: async (name, jobs) => {
      for (const { data, jobId } of jobs) {
        const existing = await get(name).getJob(jobId);
        const state = existing ? await existing.getState() : undefined;
        if (!existing || state === 'unknown') await get(name).add(name, data, { jobId });
        else if (state === 'failed' || state === 'completed') await existing.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      }
    },
    enqueueMany: async (name, jobs) => {
      for (let start = 0; start < jobs.length; start += 200) {
        await get(name).addBulk(jobs.slice(start, start + 200).map(({ data, jobId }) => ({ name, data, opts: { jobId } })));
      }
    },
    addPipelineFlow: async (steps) => {
      flows ??= new FlowProducer({ connection: options.connection, prefix: options.prefix });
      let tree: FlowJob | undefined;
      for (const { data, jobId } of steps) {
        tree = {
          name: data.step,
          queueName: 'pipelines',
          data,
          opts: { ...defaultJobOptions.pipelines, jobId, failParentOnFailure: true },
          ...(tree ? { children: [tree] } : {}),
        };
      }
      if (tree) await flows.add(tree);
    },
    close: async () => {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await flows?.close();
    },
  };
}
