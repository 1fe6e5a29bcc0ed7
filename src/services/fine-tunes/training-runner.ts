import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import { TERMINAL_FINE_TUNE_STATUSES } from '../../db/schema/fine-tunes.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { TrainingJob } from '../../queues/queue-registry.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import { lostConnection } from '../provider-checks.js';
import type { HostedTraining } from './hosted-training.js';
import type { LocalTraining } from './local-training.js';

/**
 * Dispatches a training-queue step to the hosted path (jobs at the provider) or the in-process
 * trainer, as the fine-tune's provider declares, after re-reading the record. A
 * succeeded fine-tune only finishes what follows the success (curve, automatic evaluation), which
 * is what a step retried after the success finds to do.
 */
export const trainingRunner = (deps: {
  fineTunesRepo: Pick<FineTunesRepository, 'findById' | 'transition'>;
  providers: Pick<Providers, 'trainsInProcess' | 'has' | 'isConfigured' | 'configHint'>;
  hosted: Pick<HostedTraining, 'finish' | 'cancel' | 'start' | 'poll'>;
  local: Pick<LocalTraining, 'finish' | 'run'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => ({
  async run(job: TrainingJob, signal?: AbortSignal): Promise<unknown> {
    const fineTune = await deps.fineTunesRepo.findById(job.fineTuneId);
    if (!fineTune) return;
    const provider = fineTune.provider as ProviderName;
    const lost = lostConnection(deps.providers, provider, 'fine-tune');
    if (lost) {
      // A succeeded fine-tune keeps its model; what follows the success needs the connection.
      if (TERMINAL_FINE_TUNE_STATUSES.includes(fineTune.status)) return;
      // The connection was taken out of the configuration (or lost its key) since the fine-tune
      // was accepted: retrying cannot help, so it fails saying what to do. A job already at the
      // provider goes on there, out of Tuneline's sight.
      await deps.fineTunesRepo.transition(
        fineTune.id,
        'failed',
        { errorCode: lost.code, errorMessage: lost.message, finishedAt: new Date() },
        lost.message,
      );
      await deps.wake.ended({ fineTuneId: fineTune.id });
      return;
    }
    const inProcess = deps.providers.trainsInProcess(provider);
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
