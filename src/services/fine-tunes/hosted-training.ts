import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { FineTuneRecord, FineTuneStatus } from '../../db/schema/fine-tunes.js';
import type { PriceOverrides } from '../../domain/pricing.js';
import { parseStepMetrics, type CurvePoint } from '../../domain/training/result-file.js';
import { checkTrainedTokens } from '../../domain/training/trained-tokens.js';
import { ProviderError, type ProviderEvent, type ProviderJob } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import { trainingJob, type Queues } from '../../queues/queue-registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';
import { buildTrainingFile } from './training-files.js';
import { hostedHyperparameters } from './hosted-hyperparameters.js';
import type { AutoEvaluationStep } from './auto-evaluation.js';
import type { ModelRegistrar } from './model-registrar.js';
import type { ProviderMetrics } from '../inference/provider-metrics.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';

export interface PollTiming {
  /** First poll delay; each later one is 1.5 times longer, up to maxMs. */
  initialMs: number;
  maxMs: number;
}

// Provider statuses we mirror as they are; anything else is running for us.
const MIRRORED: ReadonlySet<string> = new Set([
  'validating_files',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);

/**
 * Drives a hosted fine-tune with short steps on the training queue: upload, then repeated polls
 * scheduled as delayed jobs (no worker ever sleeps), each storing what changed. Every step re-reads
 * the record and can run twice without creating anything twice at the provider.
 */
export const hostedTraining = (deps: {
  fineTunesRepo: Pick<
    FineTunesRepository,
    'update' | 'addEvents' | 'transition' | 'eventIds' | 'addCheckpoints' | 'findById'
  >;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'stream'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  datasets: Pick<DatasetsService, 'getVersion'>;
  tasks: Pick<TasksService, 'get'>;
  queues: Pick<Queues, 'enqueue'>;
  providers: Pick<Providers, 'fineTuning' | 'training'>;
  registrar: Pick<ModelRegistrar, 'registerHosted'>;
  autoEvaluation: Pick<AutoEvaluationStep, 'run'>;
  wake: Pick<PipelineWake, 'ended'>;
  timing: PollTiming;
  /** How long uploaded files may stay unprocessed at the provider. */
  fileProcessingTimeoutMs: number;
  priceOverrides: PriceOverrides;
  metrics: Pick<ProviderMetrics, 'oddity'>;
}) => {
  /** The fine-tune's provider's files and jobs. */
  const apiFor = (fineTune: FineTuneRecord) => deps.providers.fineTuning(fineTune.provider as ProviderName);
  const trainerOf = (fineTune: FineTuneRecord) => deps.providers.training(fineTune.provider as ProviderName);
  const fileOptions = (fineTune: FineTuneRecord) => ({
    model: fineTune.baseModel,
    format: trainerOf(fineTune).fileFormat(fineTune.baseModel),
    systemMessage: fineTune.systemMessage,
  });

  const schedulePoll = async (fineTune: FineTuneRecord) => {
    const delay = Math.min(deps.timing.maxMs, Math.round(deps.timing.initialMs * 1.5 ** Math.min(fineTune.polls, 30)));
    const polls = fineTune.polls + 1;
    const { data, jobId } = trainingJob(fineTune.id, 'poll', polls);
    await deps.queues.enqueue('training', data, { jobId, delay });
    await deps.fineTunesRepo.update(fineTune.id, { polls });
  };

  /** Something odd in a provider answer, recorded once (by its fixed id) among the fine-tune's events. */
  const oddity = (fineTune: FineTuneRecord, eventId: string, message: string) =>
    deps.fineTunesRepo.addEvents(fineTune.id, [
      { eventId: `tuneline-${eventId}`, createdAt: new Date(), level: 'warn', type: 'message', message, data: null },
    ]);

  /** Ends a fine-tune without a model (a success ends with its automatic evaluation, which wakes a pipeline). */
  const end = async (fineTune: FineTuneRecord, status: FineTuneStatus, code: string | null, message: string | null) => {
    await deps.fineTunesRepo.transition(
      fineTune.id,
      status,
      { errorCode: code, errorMessage: message, finishedAt: new Date() },
      message ?? undefined,
    );
    await deps.wake.ended({ fineTuneId: fineTune.id });
  };

  /** A refusal or a bad request ends the fine-tune; anything retryable goes back to the queue. */
  const failOn = async (fineTune: FineTuneRecord, error: unknown) => {
    if (!(error instanceof ProviderError) || error.retryable) throw error;
    const refused = error.code === 'training_not_available';
    await end(fineTune, refused ? 'refused' : 'failed', error.code, error.message);
  };

  const upload = async (fineTune: FineTuneRecord) => {
    await deps.fineTunesRepo.transition(fineTune.id, 'uploading');
    const version = await deps.datasets.getVersion(fineTune.datasetVersionId);
    const task = await deps.tasks.get(fineTune.taskId);
    const changes: Partial<FineTuneRecord> = {};
    if (!fineTune.trainingFileId) {
      const train = await buildTrainingFile(deps.datasetRowsRepo, task, version, 'train', fileOptions(fineTune));
      changes.trainingFileId = await apiFor(fineTune).uploadTrainingFile(train.content, `${fineTune.id}-train.jsonl`);
    }
    if (!fineTune.validationFileId) {
      const validation = await buildTrainingFile(
        deps.datasetRowsRepo,
        task,
        version,
        'validation',
        fileOptions(fineTune),
      );
      if (validation.examples > 0) {
        changes.validationFileId = await apiFor(fineTune).uploadTrainingFile(
          validation.content,
          `${fineTune.id}-validation.jsonl`,
        );
      }
    }
    if (!fineTune.filesUploadedAt) changes.filesUploadedAt = new Date();
    return deps.fineTunesRepo.update(fineTune.id, changes);
  };

  /**
   * Whether the provider has processed the files. A file in `error` never will be: the fine-tune
   * fails at once with the provider's words. One still `uploaded` is waited on, but only so long.
   */
  const filesReady = async (fineTune: FineTuneRecord): Promise<'ready' | 'waiting' | 'failed'> => {
    const api = apiFor(fineTune);
    const files = [fineTune.trainingFileId, fineTune.validationFileId].filter((id): id is string => Boolean(id));
    const statuses = await Promise.all(files.map(async (id) => ({ id, ...(await api.fileStatus(id)) })));
    const broken = statuses.find((file) => file.status === 'error');
    if (broken) {
      await end(
        fineTune,
        'failed',
        'file_error',
        `The provider could not process file ${broken.id}: ${broken.details ?? 'it gave no details'}.`,
      );
      return 'failed';
    }
    const unprocessed = statuses.find((file) => file.status !== 'processed');
    if (!unprocessed) return 'ready';
    const waitedMs = Date.now() - (fineTune.filesUploadedAt ?? fineTune.createdAt).getTime();
    if (waitedMs <= deps.fileProcessingTimeoutMs) return 'waiting';
    const message = `File ${unprocessed.id} is still ${unprocessed.status} at the provider after ${Math.round(waitedMs / 1000)} s (FILE_PROCESSING_TIMEOUT_MS is ${deps.fileProcessingTimeoutMs}).`;
    await end(fineTune, 'failed', 'file_processing_timeout', message);
    return 'failed';
  };

  /** Files processed: create the job, or adopt the one an earlier attempt created before crashing. */
  /**
   * The job a continued fine-tune starts from, at a trainer that continues `from_job`: the job
   * that made the parent model, or the parent's model name when it was registered from elsewhere
   * (Together takes either). Undefined for a first fine-tune, or one continued `from_model`.
   */
  const continueFrom = async (fineTune: FineTuneRecord): Promise<string | undefined> => {
    if (!fineTune.parentModelVersionId || trainerOf(fineTune).continues !== 'from_job') return undefined;
    const parent = await deps.modelVersionsRepo.findById(fineTune.parentModelVersionId);
    if (!parent) return undefined;
    const source = parent.sourceFineTuneId ? await deps.fineTunesRepo.findById(parent.sourceFineTuneId) : undefined;
    return source?.providerJobId ?? parent.model;
  };

  const createJob = async (fineTune: FineTuneRecord): Promise<ProviderJob | 'waiting' | 'failed'> => {
    const api = apiFor(fineTune);
    const ready = await filesReady(fineTune);
    if (ready !== 'ready') return ready;
    const from = await continueFrom(fineTune);
    const job =
      (await api.findJob(fineTune.id)) ??
      (await api.createJob({
        ...(from ? { continueFrom: from } : {}),
        fineTuneId: fineTune.id,
        model: fineTune.baseModel,
        trainingFile: fineTune.trainingFileId!,
        validationFile: fineTune.validationFileId ?? undefined,
        suffix: fineTune.suffix ?? undefined,
        seed: fineTune.seed ?? undefined,
        hyperparameters: hostedHyperparameters(fineTune.hyperparameters),
      }));
    await deps.fineTunesRepo.update(fineTune.id, { providerJobId: job.id });
    return job;
  };

  /**
   * Stores new events and checkpoints. Events are read newest first down to the ones we have; when
   * a poll's page budget runs out first, the rest of that gap is read from `events_cursor` on the
   * next poll, before anything newer, so no gap is ever left behind.
   */
  const record = async (fineTune: FineTuneRecord, job: ProviderJob) => {
    const api = apiFor(fineTune);
    const known = await deps.fineTunesRepo.eventIds(fineTune.id);
    const store = async (events: ProviderEvent[]) => {
      await deps.fineTunesRepo.addEvents(
        fineTune.id,
        events.map((event) => ({
          eventId: event.id,
          createdAt: event.createdAt,
          level: event.level,
          message: event.message,
          type: event.type,
          data: event.data,
        })),
      );
      for (const event of events) known.add(event.id);
    };
    let cursor = fineTune.eventsCursor;
    let stalled = false;
    for (const from of cursor ? [cursor, undefined] : [undefined]) {
      const read = await api.newEvents(job.id, known, from);
      await store(read.events);
      cursor = read.next;
      stalled ||= read.stalled;
      if (cursor) break;
    }
    if (cursor !== fineTune.eventsCursor) await deps.fineTunesRepo.update(fineTune.id, { eventsCursor: cursor });
    if (stalled)
      await oddity(
        fineTune,
        'events-cursor-stalled',
        'The provider kept answering has_more for events with a cursor that did not advance; paging stopped there.',
      );

    const { checkpoints, stalled: checkpointsStalled } = await api.checkpoints(job.id);
    await deps.fineTunesRepo.addCheckpoints(
      fineTune.id,
      checkpoints.map((checkpoint) => ({
        checkpointId: checkpoint.id,
        step: checkpoint.step,
        model: checkpoint.model,
        metrics: checkpoint.metrics,
        createdAt: checkpoint.createdAt,
      })),
    );
    if (checkpointsStalled)
      await oddity(
        fineTune,
        'checkpoints-cursor-stalled',
        'The provider kept answering has_more for checkpoints with a cursor that did not advance; paging stopped there.',
      );
    if (Object.keys(job.hyperparameters).length > 0)
      await deps.fineTunesRepo.update(fineTune.id, { resolvedHyperparameters: job.hyperparameters });
  };

  /**
   * The job trained and was billed: record the model, tokens and cost, register the model and
   * mark the fine-tune succeeded before anything that may fail (the curve, the evaluation). The
   * cost is the provider's bill when it reports one, else the price table's for the trained tokens.
   */
  const succeed = async (fineTune: FineTuneRecord, job: ProviderJob) => {
    for (const kind of job.oddities ?? []) deps.metrics.oddity(fineTune.provider, fineTune.baseModel, kind);
    if (job.oddities?.includes('invalid_billed_price'))
      await oddity(
        fineTune,
        'billed-price',
        'The provider reported a bill that cannot be one (negative or not a number); the cost is the price table estimate.',
      );
    const estimate = fineTune.estimate as { billable_tokens?: number; epochs?: number } | null;
    const tokens = checkTrainedTokens(
      job.trainedTokens,
      estimate ? { billableTokens: estimate.billable_tokens, epochs: estimate.epochs } : null,
    );
    if (tokens.oddity) await oddity(fineTune, 'trained-tokens', tokens.oddity);
    const resultFile = job.resultFiles[0] ?? null;
    // A provider that serves the curve from its API (Together) has no result file to list.
    const curveFromApi = apiFor(fineTune).trainingCurve !== undefined;
    if (!resultFile && !curveFromApi)
      await oddity(
        fineTune,
        'result-file',
        'The provider listed no result file for the succeeded job; the fine-tune has no loss curve.',
      );
    const updated = await deps.fineTunesRepo.update(fineTune.id, {
      fineTunedModel: job.fineTunedModel,
      trainedTokens: tokens.tokens,
      costUsd:
        job.billedUsd ??
        (tokens.tokens !== null
          ? trainerOf(fineTune).cost(fineTune.baseModel, tokens.tokens, deps.priceOverrides)
          : null),
      resultFileId: resultFile,
      // No result file (nor a curve from the API), no curve; one to read is read after the model is safe.
      ...(resultFile || curveFromApi ? {} : { curve: [] }),
    });
    const model = await deps.registrar.registerHosted(updated);
    await deps.fineTunesRepo.transition(fineTune.id, 'succeeded', { modelVersionId: model.id, finishedAt: new Date() });
    // The last events and checkpoints are worth having, not worth the model.
    await record(fineTune, job).catch((error: unknown) =>
      oddity(
        fineTune,
        'final-events',
        `The last events and checkpoints could not be read (${(error as Error).message}).`,
      ),
    );
    await finish((await deps.fineTunesRepo.findById(fineTune.id))!);
  };

  /** The loss curve: the result file's, or the provider's API's; undefined when there is none to read. */
  const readCurve = async (fineTune: FineTuneRecord): Promise<CurvePoint[] | undefined> => {
    const api = apiFor(fineTune);
    if (fineTune.resultFileId) return parseStepMetrics(await api.fileContent(fineTune.resultFileId));
    if (api.trainingCurve && fineTune.providerJobId) return api.trainingCurve(fineTune.providerJobId);
    return undefined;
  };

  /** What follows a success, each part at most once: the loss curve, then the automatic evaluation. */
  const finish = async (fineTune: FineTuneRecord) => {
    if (fineTune.curve === null) {
      let curve: CurvePoint[] | undefined = [];
      try {
        curve = await readCurve(fineTune);
      } catch (error) {
        const source = fineTune.resultFileId ? `The result file ${fineTune.resultFileId}` : 'The training curve';
        await oddity(
          fineTune,
          'result-file',
          `${source} could not be read (${(error as Error).message}); the fine-tune has no loss curve.`,
        );
      }
      if (curve) await deps.fineTunesRepo.update(fineTune.id, { curve });
    }
    await deps.autoEvaluation.run(fineTune);
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
        const job = fineTune.providerJobId
          ? await apiFor(fineTune).retrieveJob(fineTune.providerJobId)
          : await createJob(fineTune);
        if (job === 'failed') return;
        if (job === 'waiting') return schedulePoll(fineTune);
        const status: FineTuneStatus = MIRRORED.has(job.status) ? (job.status as FineTuneStatus) : 'running';
        if (status === 'succeeded') return succeed(fineTune, job);
        await record(fineTune, job);
        // The spec allows `error: null` on a failed job; the fine-tune still says it failed and that no reason was given.
        if (status === 'failed') {
          return end(
            fineTune,
            'failed',
            job.error?.code ?? 'provider_failed',
            job.error?.message ?? 'The provider reported the job failed but gave no reason.',
          );
        }
        if (status === 'cancelled') return end(fineTune, 'cancelled', null, 'cancelled at the provider');
        await deps.fineTunesRepo.transition(fineTune.id, status);
        return schedulePoll((await deps.fineTunesRepo.findById(fineTune.id))!);
      } catch (error) {
        await failOn(fineTune, error);
      }
    },

    finish,

    async cancel(fineTune: FineTuneRecord) {
      if (fineTune.providerJobId) await apiFor(fineTune).cancelJob(fineTune.providerJobId);
      await end(fineTune, 'cancelled', null, 'cancelled on request');
    },
  };
};

export type HostedTraining = ReturnType<typeof hostedTraining>;
