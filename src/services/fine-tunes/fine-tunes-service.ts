import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import { TERMINAL_FINE_TUNE_STATUSES, type FineTuneRecord } from '../../db/schema/fine-tunes.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { fineTuningTokenLimit } from '../../domain/datasets/token-limits.js';
import { newId } from '../../domain/ids.js';
import { afterCursor, afterKeyCursor, toPage, toPageBy } from '../../domain/pagination.js';
import { PRICE_TABLE_DATE, type PriceOverrides } from '../../domain/pricing.js';
import type { FineTuneRequest } from '../../domain/training/fine-tune-request.js';
import { autoEpochs, billableTokens, preflightProblems } from '../../domain/training/preflight.js';
import { errors } from '../../errors.js';
import type { TrainingCapability } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import { trainingJob, type JobSpec, type Queues } from '../../queues/queue-registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';
import { findOr404 } from '../lookup.js';
import { requireKnownProvider, requireUsableProvider } from '../provider-checks.js';
import type { ShutDownModels } from '../model-versions/shut-down-models.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { AutoEvaluationStep } from './auto-evaluation.js';
import { hostedHyperparameters } from './hosted-hyperparameters.js';
import { providerPrice, refuseWhatProviderWould } from './provider-preflight.js';
import { buildTrainingFile } from './training-files.js';

/** How long a succeeded fine-tune's own step has to decide its automatic evaluation before the resume chore does. */
const AUTO_EVALUATION_GRACE_MS = 120_000;

/** An events cursor's key: the last event's time and id (provider ids carry no order of their own). */
const eventKey = (after: unknown) => {
  if (typeof after !== 'string') return undefined;
  const space = after.indexOf(' ');
  const createdAt = new Date(after.slice(0, space));
  return space > 0 && !Number.isNaN(createdAt.getTime()) ? { createdAt, eventId: after.slice(space + 1) } : undefined;
};

export type CreateFineTuneInput = FineTuneRequest<ProviderName>;

export const fineTunesService = (deps: {
  /** Refuses models past their shutdown date on their connection, before anything is written. */
  shutDown: Pick<ShutDownModels, 'refuse'>;
  fineTunesRepo: Pick<
    FineTunesRepository,
    | 'findById'
    | 'insert'
    | 'transitions'
    | 'events'
    | 'eventsPage'
    | 'checkpoints'
    | 'list'
    | 'listActive'
    | 'transition'
    | 'listAwaitingAutoEvaluation'
    | 'update'
  >;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById' | 'findBySourceFineTune'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'stream'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  tasks: Pick<TasksService, 'get'>;
  queues: Pick<Queues, 'enqueue' | 'failedReason'>;
  providers: Pick<Providers, 'has' | 'isConfigured' | 'configHint' | 'trainsInProcess' | 'capabilities' | 'fineTuning'>;
  autoEvaluation: Pick<AutoEvaluationStep, 'run'>;
  wake: Pick<PipelineWake, 'ended'>;
  priceOverrides: PriceOverrides;
}) => {
  const getFineTune = (id: string): Promise<FineTuneRecord> =>
    findOr404('fine-tune', id, (known) => deps.fineTunesRepo.findById(known));
  const enqueue = ({ data, jobId }: JobSpec<'training'>) => deps.queues.enqueue('training', data, { jobId });
  /** The job an unfinished fine-tune waits on: its start, or its latest poll once a hosted trainer has the job. */
  const awaitedJob = (fineTune: FineTuneRecord) =>
    !deps.providers.trainsInProcess(fineTune.provider as ProviderName) && fineTune.polls > 0
      ? trainingJob(fineTune.id, 'poll', fineTune.polls)
      : trainingJob(fineTune.id, 'start');

  /**
   * What continued training of `parent` at a hosted trainer starts from. The parent's fine-tuned
   * model lives at the connection that trained or serves it, so it is continued there only. A
   * trainer continuing `from_job` trains the parent's base model (that of the fine-tune that made
   * it; a model registered from elsewhere names it in `base_model`) from the parent's job.
   */
  const continuationOf = async (
    parent: ModelVersionRecord,
    input: CreateFineTuneInput,
    trainer: TrainingCapability,
  ): Promise<{ baseModel: string }> => {
    if (parent.provider !== input.provider)
      throw errors.validation('Continued training happens on the connection that has the model.', [
        {
          field: 'body.parent_model_version_id',
          message: `a model of connection ${parent.provider} cannot be trained further with provider ${input.provider}`,
        },
      ]);
    if (trainer.continues !== 'from_job') return { baseModel: parent.model };
    const source = parent.sourceFineTuneId ? await deps.fineTunesRepo.findById(parent.sourceFineTuneId) : undefined;
    const baseModel = source?.baseModel ?? input.baseModel;
    if (!baseModel)
      throw errors.validation('Continued training needs the base model the parent was trained from.', [
        { field: 'body.base_model', message: `required: ${parent.model} was not trained here, so its base is unknown` },
      ]);
    if (input.baseModel !== undefined && input.baseModel !== baseModel)
      throw errors.validation('Continued training keeps the parent’s base model.', [
        { field: 'body.base_model', message: `the parent was trained from ${baseModel}` },
      ]);
    return { baseModel };
  };

  return {
    getFineTune,

    /**
     * Checks the data and estimates epochs, tokens and cost; with dry_run that is all it does.
     * `options.id`: as for label runs, creating again with the same id returns the fine-tune that exists.
     */
    async create(taskRef: string, input: CreateFineTuneInput, options: { id?: string } = {}) {
      const existing = options.id ? await deps.fineTunesRepo.findById(options.id) : undefined;
      if (existing) {
        // The record is written before its start job is queued: a caller that died in between
        // (a pipeline step) queues it now.
        if (existing.status === 'pending') await enqueue(trainingJob(existing.id, 'start'));
        return { dryRun: false as const, fineTune: existing };
      }
      const task = await deps.tasks.get(taskRef);
      if (task.archivedAt) throw errors.archived('task', taskRef);
      const version = await deps.datasets.getVersion(input.datasetVersionId);
      if ((await deps.datasets.getDataset(version.datasetId)).taskId !== task.id) {
        throw errors.validation('The dataset version belongs to another task.', [
          { field: 'body.dataset_version_id', message: `not a version of task "${task.slug}"` },
        ]);
      }
      const parent = input.parentModelVersionId
        ? await deps.modelVersionsRepo.findById(input.parentModelVersionId)
        : undefined;
      if (input.parentModelVersionId && (!parent || parent.taskId !== task.id)) {
        throw errors.validation('Unknown parent model.', [
          { field: 'body.parent_model_version_id', message: 'no such model version of this task' },
        ]);
      }
      if (parent?.kind === 'cascade') {
        throw errors.validation('A cascade has no weights to train further.', [
          { field: 'body.parent_model_version_id', message: 'is a cascade: continue training one of its stage models' },
        ]);
      }
      requireKnownProvider(deps.providers, input.provider);
      const trainer = deps.providers.capabilities(input.provider).training;
      if (!trainer)
        throw errors.validation('The provider does not train models.', [
          { field: 'body.provider', message: `${input.provider} does not fine-tune` },
        ]);
      const inProcess = deps.providers.trainsInProcess(input.provider);
      if (parent && parent.kind !== trainer.kind) {
        throw errors.validation('Continued training needs a model trained the same way.', [
          {
            field: 'body.parent_model_version_id',
            message: `a ${parent.kind} model cannot be trained further with provider ${input.provider}`,
          },
        ]);
      }
      // An in-process trainer trains its one model. Continued training at a hosted trainer starts
      // from the parent's fine-tuned model (OpenAI accepts ft: models as a base), or trains the
      // parent's base from where the parent's job ended (Together's from_checkpoint).
      const continuation = parent && !inProcess ? await continuationOf(parent, input, trainer) : undefined;
      const baseModel = inProcess
        ? trainer.defaultBaseModel
        : (continuation?.baseModel ?? input.baseModel ?? trainer.defaultBaseModel);
      const modelField = parent ? 'body.parent_model_version_id' : 'body.base_model';
      // Before anything else is computed: a job on a shut-down model trains, is billed, and is retired at once.
      await deps.shutDown.refuse(input.provider, baseModel, modelField);

      // The provider's own pre-flight (a hosted trainer that publishes its models and limits), before
      // the rows are read: what it would refuse is refused here, by field.
      const api =
        trainer.kind === 'fine_tuned' && deps.providers.isConfigured(input.provider)
          ? deps.providers.fineTuning(input.provider)
          : undefined;
      const planned = { model: baseModel, hyperparameters: hostedHyperparameters(input.hyperparameters) };
      const lookupWarnings = api ? await refuseWhatProviderWould(api, planned, modelField) : [];

      // Continued training keeps the layout the parent learned, unless asked otherwise.
      const systemMessage = input.systemMessage ?? parent?.promptFormat !== 'chat_no_system';
      const train = await buildTrainingFile(deps.datasetRowsRepo, task, version, 'train', {
        model: baseModel,
        format: trainer.fileFormat(baseModel),
        systemMessage,
      });
      const { stats } = version;
      const limit = fineTuningTokenLimit(baseModel);
      // The epochs the provider will train: those asked, else its default (Together's 1, left out
      // of the job), else OpenAI's `auto` rule.
      const requestedEpochs = input.hyperparameters?.n_epochs;
      const epochs =
        typeof requestedEpochs === 'number' ? requestedEpochs : (trainer.defaultEpochs ?? autoEpochs(train.examples));
      // Nothing is billed in-process.
      const billable = inProcess ? 0 : billableTokens(train.tokens, epochs, limit);
      const dataChecks = {
        trainCounts: stats.splits?.['train']?.label_distribution ?? {},
        validationCounts: stats.splits?.['validation']?.label_distribution ?? {},
        testCounts: stats.splits?.['test']?.label_distribution ?? {},
        labels: task.labels.map((label) => label.name),
        overTokenLimit: train.tokens.filter((tokens) => tokens > limit).length,
        tokenLimit: limit,
      };
      // A dry run of data that can be trained on asks a provider that prices jobs itself
      // (Together); the price table is the fallback.
      const priced =
        api && input.dryRun && !preflightProblems(dataChecks).some((problem) => problem.blocking)
          ? await providerPrice(api, planned, { content: train.content, filename: `dry-run-${newId()}-train.jsonl` })
          : {};
      const costUsd = priced.usd ?? trainer.cost(baseModel, billable, deps.priceOverrides);
      const problems = [
        ...preflightProblems({
          ...dataChecks,
          ...(costUsd === null ? { unpricedModel: { model: baseModel, priceTableDate: PRICE_TABLE_DATE } } : {}),
        }),
        ...lookupWarnings,
        ...(priced.warning ? [priced.warning] : []),
      ];
      const estimate = {
        train_examples: train.examples,
        epochs,
        billable_tokens: billable,
        cost_usd: costUsd,
        cost_source: priced.usd !== undefined ? ('provider_estimate' as const) : ('price_table' as const),
        price_table_date: PRICE_TABLE_DATE,
      };
      const preflight = { ok: !problems.some((problem) => problem.blocking), problems };
      if (input.dryRun) return { dryRun: true as const, baseModel, preflight, estimate };

      if (!preflight.ok) {
        throw errors.preflightFailed(
          problems
            .filter((problem) => problem.blocking)
            .map((problem) => ({ field: 'body.dataset_version_id', message: problem.message })),
          { problems },
        );
      }
      requireUsableProvider(deps.providers, input.provider);
      const fineTune = await deps.fineTunesRepo.insert({
        id: options.id ?? newId(),
        taskId: task.id,
        datasetVersionId: version.id,
        provider: input.provider,
        baseModel,
        parentModelVersionId: parent?.id ?? null,
        suffix: input.suffix ?? null,
        seed: input.seed ?? null,
        systemMessage,
        hyperparameters: input.hyperparameters ?? {},
        estimate: { ...estimate, preflight },
        status: 'pending',
      });
      await enqueue(trainingJob(fineTune.id, 'start'));
      return { dryRun: false as const, fineTune };
    },

    async detail(id: string) {
      const fineTune = await getFineTune(id);
      const [transitions, events, checkpoints] = await Promise.all([
        deps.fineTunesRepo.transitions(fineTune.id),
        deps.fineTunesRepo.events(fineTune.id, 100),
        deps.fineTunesRepo.checkpoints(fineTune.id),
      ]);
      return { fineTune, transitions, events, checkpoints };
    },

    /** Every stored event, newest first, a page at a time. */
    async events(id: string, page: { limit: number; cursor?: string }) {
      const fineTune = await getFineTune(id);
      const rows = await deps.fineTunesRepo.eventsPage(fineTune.id, {
        limit: page.limit,
        after: afterKeyCursor(page.cursor, eventKey),
      });
      return toPageBy(rows, page.limit, (row) => `${row.createdAt.toISOString()} ${row.eventId}`);
    },

    async list(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      return toPage(
        await deps.fineTunesRepo.list(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
    },

    /**
     * Reconciles unfinished fine-tunes with the queue. The job each waits on is queued again
     * (a process died between writing the record and queueing it, or Redis lost it); if that job
     * failed in the queue without ending the fine-tune (BullMQ fails a job that stalled too often,
     * or its retries ran out), the fine-tune fails with the queue's reason, unless its model was
     * already registered: then it succeeded.
     */
    async resumeActive(): Promise<number> {
      const active = await deps.fineTunesRepo.listActive();
      for (const fineTune of active) {
        const job = awaitedJob(fineTune);
        const failed = await deps.queues.failedReason('training', job.jobId);
        const registered =
          failed === undefined ? undefined : await deps.modelVersionsRepo.findBySourceFineTune(fineTune.id);
        if (failed === undefined) {
          await enqueue(job);
        } else if (registered) {
          // The model was trained and registered before the step gave up: that is a success, not a loss.
          await deps.fineTunesRepo.transition(
            fineTune.id,
            'succeeded',
            { modelVersionId: registered.id, finishedAt: new Date() },
            `its ${job.data.step} job failed in the queue after the model was registered: ${failed}`,
          );
        } else {
          const message = `its ${job.data.step} job failed in the queue: ${failed}`;
          await deps.fineTunesRepo.transition(
            fineTune.id,
            'failed',
            { errorCode: 'job_failed', errorMessage: message, finishedAt: new Date() },
            message,
          );
        }
        if (failed !== undefined) await deps.wake.ended({ fineTuneId: fineTune.id });
      }
      // A success whose step died before deciding the automatic evaluation (pipelines wait on it).
      // Only older ones: a step that is still deciding must not be raced into a second evaluation.
      const unevaluated = await deps.fineTunesRepo.listAwaitingAutoEvaluation(
        new Date(Date.now() - AUTO_EVALUATION_GRACE_MS),
      );
      for (const fineTune of unevaluated) await deps.autoEvaluation.run(fineTune);
      return active.length + unevaluated.length;
    },

    /** Asks the worker to stop the job (and the provider's); a job not started yet is cancelled at once. */
    async cancel(id: string) {
      const fineTune = await getFineTune(id);
      if (TERMINAL_FINE_TUNE_STATUSES.includes(fineTune.status)) return fineTune;
      await deps.fineTunesRepo.update(fineTune.id, { cancelRequested: true });
      if (fineTune.status === 'pending' && !fineTune.providerJobId) {
        await deps.fineTunesRepo.transition(
          fineTune.id,
          'cancelled',
          { finishedAt: new Date() },
          'cancelled before it started',
        );
        await deps.wake.ended({ fineTuneId: fineTune.id });
      } else {
        await enqueue(trainingJob(fineTune.id, 'cancel'));
      }
      return getFineTune(id);
    },
  };
};

export type FineTunesService = ReturnType<typeof fineTunesService>;
