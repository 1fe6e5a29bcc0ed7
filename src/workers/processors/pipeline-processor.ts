import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { PipelinesService } from '../../services/pipelines/pipelines-service.js';
import { StepFailed } from '../../services/pipelines/pipeline-steps.js';
import type { PipelineJob } from '../queues.js';

/**
 * Runs one pipeline step. A step that waits on other queues' work (a label run, fine-tunes,
 * evaluations) puts its own job back as delayed and looks again, so it holds no worker slot
 * while it waits and its parent step, in the same flow, keeps waiting for it. A step that cannot
 * succeed fails without retries, which fails every step after it in the flow.
 */
export const pipelineProcessor =
  ({ pipelines }: { pipelines: PipelinesService }) =>
  async (job: Job<PipelineJob>, token?: string) => {
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      const { waitMs } = await pipelines.runStep(job.data, isLastAttempt);
      if (waitMs !== undefined) {
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
      return { step: job.data.step };
    } catch (error) {
      if (error instanceof StepFailed) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
