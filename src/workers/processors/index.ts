import type { Job } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Services } from '../../start/services.js';
import type { QueueName, QueuePayloads } from '../../queues/queue-registry.js';
import type { Queues } from '../../queues/queue-registry.js';
import { housekeepingProcessor } from './housekeeping-processor.js';
import { chunkProcessor } from './chunk-processor.js';
import { trainingProcessor } from './training-processor.js';
import { pipelineProcessor } from './pipeline-processor.js';

export type Processor<N extends QueueName> = (job: Job<QueuePayloads[N]>, token?: string, signal?: AbortSignal) => Promise<unknown>;
export type Processors = { [N in QueueName]: Processor<N> };

/** One processor per queue; the type makes adding a queue without its processor a compile error. */
export const createProcessors = (services: Services, queues: Queues, metrics: Registry): Processors => ({
  housekeeping: housekeepingProcessor({ housekeeping: services.housekeeping }),
  labeling: chunkProcessor('labeling', queues, services.labelChunks.run),
  evaluation: chunkProcessor('evaluation', queues, services.evaluationChunks.run),
  training: trainingProcessor({ runner: services.training }),
  pipelines: pipelineProcessor({ pipelines: services.pipelines, queues, metrics }),
});
