import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { Counter, type Registry } from 'prom-client';
import { sharedMetric } from '../../lib/metrics.js';
import type { PipelinesService } from '../../services/pipelines/pipelines-service.js';
import { StepFailed } from '../../services/pipelines/pipeline-steps.js';
import type { PipelineJob, Queues } from '../../queues/queue-registry.js';

const STEP_RUNS = 'tuneline_pipeline_step_runs_total';

/**
 * Runs one pipeline step. A step that waits on other queues' work (a label run, fine-tunes,
 * evaluations) puts its own job back as delayed, so it holds no worker slot while it waits and
 * its parent step, in the same flow, keeps waiting for it. What it waits on promotes the job
 * when it ends (pipeline-wake.ts); the delay is only the safety-net poll. A step that cannot
 * succeed fails without retries, which fails every step after it in the flow.
 */
export const pipelineProcessor = ({
  pipelines,
  queues,
  metrics,
}: {
  pipelines: Pick<PipelinesService, 'runStep'>;
  queues: Pick<Queues, 'takeWake'>;
  metrics: Registry;
}) => {
  const runs = sharedMetric(
    metrics,
    STEP_RUNS,
    () =>
      new Counter({
        name: STEP_RUNS,
        help: 'Runs of pipeline step jobs, by step (a waiting step runs once per wake-up or safety-net poll)',
        labelNames: ['step'] as const,
        registers: [metrics],
      }),
  );
  return async (job: Job<PipelineJob>, token?: string) => {
    runs.inc({ step: job.data.step });
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // This run reads what any wake-up noted so far announced: those notes are answered.
    await queues.takeWake('pipelines', job.id!);
    try {
      const { waitMs } = await pipelines.runStep(job.data, isLastAttempt);
      if (waitMs !== undefined) {
        await job.moveToDelayed(Date.now() + waitMs, token);
        // A wake-up during this run found the job active and could not promote it: promote it now.
        if (await queues.takeWake('pipelines', job.id!)) {
          await job.promote().catch(async (error: unknown) => {
            if (await job.isDelayed()) throw error;
          });
        }
        throw new DelayedError();
      }
      return { step: job.data.step };
    } catch (error) {
      if (error instanceof StepFailed) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
};
