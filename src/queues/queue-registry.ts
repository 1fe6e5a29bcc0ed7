import { FlowProducer, Queue, type FlowJob, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
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

/** A chore: purge dead keys, or check champions against their models' shutdown dates (on_shutdown). */
export type HousekeepingJob = { v: 1; kind: 'purge-revoked-keys' | 'check-model-shutdowns' };
/** Items fromSeq (inclusive) to toSeq (exclusive) of a labeling run. */
export type LabelingJob = { v: 1; runId: string; fromSeq: number; toSeq: number };
/** One step of a fine-tune: start it, poll the provider, or cancel it. */
export type TrainingJob = { v: 1; fineTuneId: string; step: 'start' | 'poll' | 'cancel' };
/** Rows fromSeq (inclusive) to toSeq (exclusive) of an evaluation. */
export type EvaluationJob = { v: 1; evaluationId: string; fromSeq: number; toSeq: number };
/** One step of a pipeline run (attempt: which retry of the pipeline scheduled it). */
export type PipelineJob = { v: 1; pipelineId: string; step: StepName; attempt: number };

export type QueueName = keyof QueuePayloads;
/** A job to queue: its payload and its deterministic id. */
export type JobSpec<N extends QueueName> = { data: QueuePayloads[N]; jobId: string };

/*
 * Every job's id is built here, from what identifies its work, so queueing the same work again is
 * a no-op (BullMQ ignores a duplicate id) and whatever waits on a job can find it by its id.
 */

/** A key purge; its id is per hour, so a burst of requests queues one job, not many. */
export const keyPurgeJob = (now: Date): JobSpec<'housekeeping'> => ({
  data: { v: 1, kind: 'purge-revoked-keys' },
  jobId: `purge-revoked-keys-${now.toISOString().slice(0, 13)}`,
});
/** A chunk of a labeling run, named by its first item. */
export const labelingChunkJob = (runId: string, fromSeq: number, toSeq: number): JobSpec<'labeling'> => ({
  data: { v: 1, runId, fromSeq, toSeq },
  jobId: `label-${runId}-${fromSeq}`,
});
/** A chunk of an evaluation, named by its first row. */
export const evaluationChunkJob = (evaluationId: string, fromSeq: number, toSeq: number): JobSpec<'evaluation'> => ({
  data: { v: 1, evaluationId, fromSeq, toSeq },
  jobId: `eval-${evaluationId}-${fromSeq}`,
});
/**
 * A fine-tune's training job. Its id, one per step (polls numbered), makes queueing it again a
 * no-op while it is queued, running or kept as done or failed.
 */
export const trainingJob = (fineTuneId: string, step: TrainingJob['step'], poll?: number): JobSpec<'training'> => ({
  data: { v: 1, fineTuneId, step },
  jobId: step === 'poll' ? `ft-${fineTuneId}-poll-${poll}` : `ft-${fineTuneId}-${step}`,
});
/** A pipeline step's job id: one per step and attempt, so whatever the step waits on can find it to wake it. */
export const pipelineStepJobId = (pipelineId: string, attempt: number, step: StepName) =>
  `pipeline-${pipelineId}-${attempt}-${step}`;
/** A pipeline step's job, as a flow of the pipeline's attempt schedules it. */
export const pipelineStepJob = (pipelineId: string, attempt: number, step: StepName): JobSpec<'pipelines'> => ({
  data: { v: 1, pipelineId, step, attempt },
  jobId: pipelineStepJobId(pipelineId, attempt, step),
});

export const QUEUE_NAMES = [
  'housekeeping',
  'labeling',
  'training',
  'evaluation',
  'pipelines',
] as const satisfies readonly QueueName[];

export const isQueueName = (name: string): name is QueueName => (QUEUE_NAMES as readonly string[]).includes(name);

const DAY_SECONDS = 24 * 3600;
// A note outlives any run of the job that should read it; one nobody reads expires.
const WAKE_NOTE_MS = 10 * 60_000;

/** Bounded retries with exponential backoff, and bounded history so Redis does not grow without limit. */
const retried = (
  attempts: number,
  delayMs: number,
  keep: { completed: number; ageDays: number; failed: number },
): JobsOptions => ({
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
  enqueueMany<N extends QueueName>(name: N, jobs: JobSpec<N>[]): Promise<void>;
  get(name: QueueName): Queue;
  /** Why the job failed for good, if it did: undefined while it is queued, running, done or unknown. */
  failedReason(name: QueueName, jobId: string): Promise<string | undefined>;
  /** The first of these jobs that failed for good, with the queue's reason, if any did. */
  firstFailed(name: QueueName, jobIds: string[]): Promise<{ jobId: string; reason: string } | undefined>;
  /**
   * Queues jobs again under their ids for a retry: a job kept as failed or completed runs again
   * with fresh attempts (adding it would be ignored), a missing one is added, a live one is left.
   */
  requeue<N extends QueueName>(name: N, jobs: JobSpec<N>[]): Promise<void>;
  /**
   * A chain of pipeline steps as one BullMQ flow: every child runs before its parent, and a failed
   * child fails its parent, so nothing after a failed step runs.
   */
  addPipelineFlow(steps: JobSpec<'pipelines'>[]): Promise<void>;
  /**
   * Runs a delayed job now rather than at its time. A job that is running right now cannot be
   * promoted: it is left a note instead, which it reads with `takeWake` after putting itself
   * back as delayed, so a wake-up that crosses a run is not lost.
   */
  wake(name: QueueName, jobId: string): Promise<void>;
  /** Whether a wake-up note was left for this job since it last looked; the note is removed. */
  takeWake(name: QueueName, jobId: string): Promise<boolean>;
  all(): Queue[];
  close(): Promise<void>;
}

/** `connection` is shared by the queues, and also holds the wake-up notes (see `wake`). */
export function createQueues(options: { connection: Redis; prefix: string; logger: Logger }): Queues {
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
  const wakeNote = (name: QueueName, jobId: string) => `${options.prefix}:wake:${name}:${jobId}`;
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
        else if (state === 'failed' || state === 'completed')
          await existing.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      }
    },
    enqueueMany: async (name, jobs) => {
      for (let start = 0; start < jobs.length; start += 200) {
        await get(name).addBulk(
          jobs.slice(start, start + 200).map(({ data, jobId }) => ({ name, data, opts: { jobId } })),
        );
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
    wake: async (name, jobId) => {
      const queue = get(name);
      // The note first: if the job is running, the promotion below fails, and the note makes the
      // job run again as soon as it has put itself back as delayed.
      await options.connection.set(wakeNote(name, jobId), '1', 'PX', WAKE_NOTE_MS);
      const job = await queue.getJob(jobId);
      // Only a delayed job can be promoted; one waiting or running needs nothing more than the note.
      await job?.promote().catch(async (error: unknown) => {
        if (await job.isDelayed()) throw error;
      });
    },
    takeWake: async (name, jobId) => (await options.connection.getdel(wakeNote(name, jobId))) !== null,
    close: async () => {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await flows?.close();
    },
  };
}
