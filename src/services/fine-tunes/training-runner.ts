import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import { TERMINAL_FINE_TUNE_STATUSES } from '../../db/schema/fine-tunes.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { TrainingJob } from '../../queues/queue-registry.js';
import type { HostedTraining } from './hosted-training.js';
import type { LocalTraining } from './local-training.js';

/**
 * Dispatches a training-queue step to the hosted path (jobs at the provider) or the in-process
 * trainer, as the fine-tune's provider declares, after re-reading the record. A
 * succeeded fine-tune only finishes what follows the success (curve, automatic evaluation), which
 * is what a step retried after the success finds to do.
 */
export const trainingRunner = (deps: {
  fineTunes: FineTunesRepository;
  providers: Pick<Providers, 'trainsInProcess'>;
  hosted: HostedTraining;
  local: LocalTraining;
}) => ({
  async run(job: TrainingJob, signal?: AbortSignal): Promise<unknown> {
    const fineTune = await deps.fineTunes.findById(job.fineTuneId);
    if (!fineTune) return;
    const inProcess = deps.providers.trainsInProcess(fineTune.provider as ProviderName);
    if (fineTune.status === 'succeeded') return inProcess ? deps.local.finish(fineTune) : deps.hosted.finish(fineTune);
    if (TERMINAL_FINE_TUNE_STATUSES.includes(fineTune.status)) return;
    if (inProcess) {
      if (job.step === 'start') await deps.local.run(fineTune, signal);
      return;
    }
    if (job.step === 'cancel' || fineTune.cancelRequested) return deps.hosted.cancel(fineTune);
    if (job.step === 'start') return deps.hosted.start(fineTune);
    return deps.hosted.poll(fineTune);
  },
});

export type TrainingRunner = ReturnType<typeof trainingRunner>;
