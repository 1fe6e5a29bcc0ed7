import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import { TERMINAL_FINE_TUNE_STATUSES } from '../../db/schema/fine-tunes.js';
import type { TrainingJob } from '../../workers/queues.js';
import type { HostedTraining } from './hosted-training.js';
import type { LocalTraining } from './local-training.js';

/**
 * Dispatches a training-queue step to the hosted or local path, after re-reading the record. A
 * succeeded fine-tune only finishes what follows the success (curve, automatic evaluation), which
 * is what a step retried after the success finds to do.
 */
export const trainingRunner = (deps: { fineTunes: FineTunesRepository; hosted: HostedTraining; local: LocalTraining }) => ({
  async run(job: TrainingJob, signal?: AbortSignal): Promise<unknown> {
    const fineTune = await deps.fineTunes.findById(job.fineTuneId);
    if (!fineTune) return;
    if (fineTune.status === 'succeeded') return fineTune.provider === 'local' ? deps.local.finish(fineTune) : deps.hosted.finish(fineTune);
    if (TERMINAL_FINE_TUNE_STATUSES.includes(fineTune.status)) return;
    if (fineTune.provider === 'local') {
      if (job.step === 'start') await deps.local.run(fineTune, signal);
      return;
    }
    if (job.step === 'cancel' || fineTune.cancelRequested) return deps.hosted.cancel(fineTune);
    if (job.step === 'start') return deps.hosted.start(fineTune);
    return deps.hosted.poll(fineTune);
  },
});

export type TrainingRunner = ReturnType<typeof trainingRunner>;
