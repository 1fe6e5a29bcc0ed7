import type { Job } from 'bullmq';
import type { Registry } from 'prom-client';
import type { EvaluationChunkRunner } from '../../services/evaluations/evaluation-chunk-runner.js';
import type { MaintenanceService } from '../../services/maintenance-service.js';
import type { LabelChunkRunner } from '../../services/label-runs/label-chunk-runner.js';
import type { PipelinesService } from '../../services/pipelines/pipelines-service.js';
import type { TrainingRunner } from '../../services/fine-tunes/training-runner.js';
import type { QueueName, QueuePayloads } from '../../queues/queue-registry.js';
import type { Queues } from '../../queues/queue-registry.js';
import { housekeepingProcessor } from './housekeeping-processor.js';
import type { ShutdownRetrains } from '../../services/routing/shutdown-retrains.js';
import { chunkProcessor } from './chunk-processor.js';
import { trainingProcessor } from './training-processor.js';
import { pipelineProcessor } from './pipeline-processor.js';

export type Processor<N extends QueueName> = (
  job: Job<QueuePayloads[N]>,
  token?: string,
  signal?: AbortSignal,
) => Promise<unknown>;
export type Processors = { [N in QueueName]: Processor<N> };

/** The services the workers run jobs with; the composition root (src/start) builds them. */
export interface ProcessorServices {
  maintenance: Pick<MaintenanceService, 'purgeDeadKeys'>;
  shutdownRetrains: Pick<ShutdownRetrains, 'check'>;
  labelChunks: Pick<LabelChunkRunner, 'run'>;
  evaluationChunks: Pick<EvaluationChunkRunner, 'run'>;
  trainingRunner: Pick<TrainingRunner, 'run'>;
  pipelines: Pick<PipelinesService, 'runStep'>;
}

/** One processor per queue; the type makes adding a queue without its processor a compile error. */
export const createProcessors = (
  services: ProcessorServices,
  queues: Pick<Queues, 'get' | 'takeWake'>,
  metrics: Registry,
): Processors => ({
  housekeeping: housekeepingProcessor({
    maintenance: services.maintenance,
    shutdownRetrains: services.shutdownRetrains,
  }),
  labeling: chunkProcessor('labeling', queues, services.labelChunks.run),
  evaluation: chunkProcessor('evaluation', queues, services.evaluationChunks.run),
  training: trainingProcessor({ runner: services.trainingRunner }),
  pipelines: pipelineProcessor({ pipelines: services.pipelines, queues, metrics }),
});
