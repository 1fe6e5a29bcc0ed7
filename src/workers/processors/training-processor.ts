import type { Job } from 'bullmq';
import type { TrainingRunner } from '../../services/fine-tunes/training-runner.js';
import type { TrainingJob } from '../../queues/queue-registry.js';

/** One step of a fine-tune; the signal lets a local training thread stop when the worker shuts down. */
export const trainingProcessor =
  ({ runner }: { runner: TrainingRunner }) =>
  async (job: Job<TrainingJob>, _token?: string, signal?: AbortSignal) =>
    runner.run(job.data, signal);
