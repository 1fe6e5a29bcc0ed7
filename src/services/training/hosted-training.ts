import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { FineTuneRecord, FineTuneStatus } from '../../db/schema/fine-tunes.js';
import { trainingCost, type PriceOverrides } from '../../domain/pricing.js';
import { parseStepMetrics } from '../../domain/training/result-file.js';
import type { OpenAIFineTuning, ProviderJob } from '../../providers/openai/openai-fine-tuning.js';
import { ProviderError } from '../../providers/provider.js';
import { trainingJob, type Queues } from '../../workers/queues.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';
import { buildTrainingFile } from './training-files.js';
import type { ModelRegistrar } from './model-registrar.js';

export interface PollTiming {
  /** First poll delay; each later one is 1.5 times longer, up to maxMs. */
  initialMs: number;
  maxMs: number;
}

// Provider statuses we mirror as they are; anything else is running for us.
const MIRRORED: ReadonlySet<string> = new Set(['validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled']);

/**
 * Drives a hosted fine-tune with short steps on the training queue: upload, then repeated polls
 * scheduled as delayed jobs (no worker ever sleeps), each storing what changed. Every step re-reads
 * the record and can run twice without creating anything twice at the provider.
 */
export const hostedTraining = (deps: {
  fineTunes: FineTunesRepository;
  rows: DatasetRowsRepository;
  datasets: DatasetsService;
  tasks: TasksService;
  queues: Queues;
  api: () => OpenAIFineTuning;
  registrar: ModelRegistrar;
  timing: PollTiming;
  priceOverrides: PriceOverrides;
}) => {
  const schedulePoll = async (fineTune: FineTuneRecord) => {
    const delay = Math.min(deps.timing.maxMs, Math.round(deps.timing.initialMs * 1.5 ** Math.min(fineTune.polls, 30)));
    const polls = fineTune.polls + 1;
    const { data, jobId } = trainingJob(fineTune.id, 'poll', polls);
    await deps.queues.enqueue('training', data, { jobId, delay });
    await deps.fineTunes.update(fineTune.id, { polls });
  };

  const end = (fineTune: FineTuneRecord, status: FineTuneStatus, code: string | null, message: string | null) =>
    deps.fineTunes.transition(fineTune.id, status, { errorCode: code, errorMessage: message, finishedAt: new Date() }, message ?? undefined);

  /** A refusal or a bad request ends the fine-tune; anything retryable goes back to the queue. */
  const failOn = async (fineTune: FineTuneRecord, error: unknown) => {
    if (!(error instanceof ProviderError) || error.retryable) throw error;
    const refused = error.code === 'training_not_available';
    await end(fineTune, refused ? 'refused' : 'failed', error.code, error.message);
  };

  const upload = async (fineTune: FineTuneRecord) => {
    await deps.fineTunes.transition(fineTune.id, 'uploading');
    const version = await deps.datasets.getVersion(fineTune.datasetVersionId);
    const task = await deps.tasks.get(fineTune.taskId);
    let changes: Partial<FineTuneRecord> = {};
    if (!fineTune.trainingFileId) {
      const train = await buildTrainingFile(deps.rows, task, version, 'train', fineTune.baseModel);
      changes.trainingFileId = await deps.api().uploadTrainingFile(train.content, `${fineTune.id}-train.jsonl`);
    }
    if (!fineTune.validationFileId) {
      const validation = await buildTrainingFile(deps.rows, task, version, 'validation', fineTune.baseModel);
      if (validation.examples > 0) {
        changes.validationFileId = await deps.api().uploadTrainingFile(validation.content, `${fineTune.id}-validation.jsonl`);
      }
    }
    return deps.fineTunes.update(fineTune.id, changes);
  };

  /** Files processed: create the job, or adopt the one an earlier attempt created before crashing. */
  const createJob = async (fineTune: FineTuneRecord): Promise<ProviderJob | undefined> => {
    const api = deps.api();
    const files = [fineTune.trainingFileId, fineTune.validationFileId].filter((id): id is string => Boolean(id));
    const statuses = await Promise.all(files.map((id) => api.fileStatus(id)));
    if (statuses.some((status) => status !== 'processed')) return undefined;
    const job =
      (await api.findJob(fineTune.id)) ??
      (await api.createJob({
        fineTuneId: fineTune.id,
        model: fineTune.baseModel,
        trainingFile: fineTune.trainingFileId!,
        validationFile: fineTune.validationFileId ?? undefined,
        suffix: fineTune.suffix ?? undefined,
        seed: fineTune.seed ?? undefined,
        hyperparameters: hostedHyperparameters(fineTune.hyperparameters),
      }));
    await deps.fineTunes.update(fineTune.id, { providerJobId: job.id });
    return job;
  };

  const record = async (fineTune: FineTuneRecord, job: ProviderJob) => {
    const api = deps.api();
    const events = await api.newEvents(job.id, await deps.fineTunes.eventIds(fineTune.id));
    await deps.fineTunes.addEvents(
      fineTune.id,
      events.map((event) => ({ eventId: event.id, createdAt: event.createdAt, level: event.level, message: event.message, type: event.type, data: event.data })),
    );
    const checkpoints = await api.checkpoints(job.id);
    await deps.fineTunes.addCheckpoints(
      fineTune.id,
      checkpoints.map((checkpoint) => ({
        checkpointId: checkpoint.id,
        step: checkpoint.step,
        model: checkpoint.model,
        metrics: checkpoint.metrics,
        createdAt: checkpoint.createdAt,
      })),
    );
    if (Object.keys(job.hyperparameters).length > 0) await deps.fineTunes.update(fineTune.id, { resolvedHyperparameters: job.hyperparameters });
  };

  const succeed = async (fineTune: FineTuneRecord, job: ProviderJob) => {
    const api = deps.api();
    const resultFile = job.resultFiles[0];
    const curve = resultFile ? parseStepMetrics(await api.fileContent(resultFile)) : [];
    const cost = job.trainedTokens !== null ? trainingCost(fineTune.baseModel, job.trainedTokens, deps.priceOverrides) : null;
    const updated = await deps.fineTunes.update(fineTune.id, {
      fineTunedModel: job.fineTunedModel,
      trainedTokens: job.trainedTokens,
      resultFileId: resultFile ?? null,
      curve,
      costUsd: cost,
    });
    const model = await deps.registrar.registerHosted(updated);
    await deps.fineTunes.transition(fineTune.id, 'succeeded', { modelVersionId: model.id, finishedAt: new Date() });
  };

  return {
    async start(fineTune: FineTuneRecord) {
      try {
        const uploaded = await upload(fineTune);
        await schedulePoll(uploaded);
      } catch (error) {
        await failOn(fineTune, error);
      }
    },

    async poll(fineTune: FineTuneRecord) {
      try {
        const job = fineTune.providerJobId ? await deps.api().retrieveJob(fineTune.providerJobId) : await createJob(fineTune);
        if (!job) return schedulePoll(fineTune);
        await record(fineTune, job);
        const status: FineTuneStatus = MIRRORED.has(job.status) ? (job.status as FineTuneStatus) : 'running';
        if (status === 'succeeded') return succeed(fineTune, job);
        if (status === 'failed') return end(fineTune, 'failed', job.error?.code ?? null, job.error?.message ?? null);
        if (status === 'cancelled') return end(fineTune, 'cancelled', null, 'cancelled at the provider');
        await deps.fineTunes.transition(fineTune.id, status);
        return schedulePoll((await deps.fineTunes.findById(fineTune.id))!);
      } catch (error) {
        await failOn(fineTune, error);
      }
    },

    async cancel(fineTune: FineTuneRecord) {
      if (fineTune.providerJobId) await deps.api().cancelJob(fineTune.providerJobId);
      await end(fineTune, 'cancelled', null, 'cancelled on request');
    },
  };
};

export type HostedTraining = ReturnType<typeof hostedTraining>;

/** The provider's hyperparameters only (the local trainer's are not sent), each defaulting to `auto`. */
function hostedHyperparameters(given: Record<string, unknown>): Parameters<OpenAIFineTuning['createJob']>[0]['hyperparameters'] {
  const pick = (key: string) => (given[key] === undefined ? 'auto' : (given[key] as number | 'auto'));
  return { n_epochs: pick('n_epochs'), batch_size: pick('batch_size'), learning_rate_multiplier: pick('learning_rate_multiplier') };
}
