import type { Logger } from 'pino';
import type { PipelinesRepository, WaitedOn } from '../../db/repositories/pipelines-repository.js';
import type { StepName } from '../../domain/pipelines/steps.js';
import { pipelineStepJobId, type Queues } from '../../queues/queue-registry.js';

/**
 * Wakes the pipeline step waiting on a label run, fine-tune or evaluation that just ended (or, for
 * a fine-tune, whose automatic evaluation was just decided), so the step does not poll for it.
 * Call it after the change is committed: the step re-reads Postgres when it runs. A wake-up that
 * fails is only logged: the change is already made, and the step's slow safety-net poll finds it.
 */
export const pipelineWake = (deps: {
  pipelinesRepo: Pick<PipelinesRepository, 'runningStepsWaitingOn'>;
  queues: Pick<Queues, 'wake'>;
  logger: Logger;
}) => ({
  async ended(waitedOn: WaitedOn): Promise<void> {
    try {
      for (const step of await deps.pipelinesRepo.runningStepsWaitingOn(waitedOn)) {
        await deps.queues.wake('pipelines', pipelineStepJobId(step.pipelineId, step.attempt, step.name as StepName));
      }
    } catch (error) {
      deps.logger.warn(
        { err: error, waitedOn },
        'could not wake the pipeline step waiting on this; its safety-net poll will',
      );
    }
  },
});

export type PipelineWake = ReturnType<typeof pipelineWake>;
