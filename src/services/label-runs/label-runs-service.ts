import type { Database } from '../../db/client.js';
import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { LabelRunsRepository, RunProgress } from '../../db/repositories/label-runs-repository.js';
import type { LabelRunRecord } from '../../db/schema/label-runs.js';
import {
  defaultNegativeLabel,
  SIGNAL_NO,
  SIGNAL_YES,
  type LabelRunRequest,
} from '../../domain/labeling/label-run-request.js';
import { pickFewShot } from '../../domain/labeling/prompt.js';
import { taskPrompt, type FewShotExample, type LabelRunPrompt } from '../../domain/labeling/prompt-config.js';
import { newId } from '../../domain/ids.js';
import { afterCursor, toPage } from '../../domain/pagination.js';
import { errors, type FieldProblem } from '../../errors.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import { labelingChunkJob, type Queues } from '../../queues/queue-registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { TasksService } from '../tasks-service.js';
import { resumeChunks } from '../chunk-resume.js';
import { findOr404 } from '../lookup.js';
import { requireUsableProvider } from '../provider-checks.js';
import type { ShutDownModels } from '../model-versions/shut-down-models.js';
import { type RateEstimate, samplesFromBuckets, slidingRate } from '../../domain/progress/sliding-rate.js';

/** Examples per job on the labeling queue: small enough that a retried job redoes little. */
const CHUNK_SIZE = 25;
export const DEFAULT_FEW_SHOT_K = 8;

export type CreateLabelRunInput = LabelRunRequest<ProviderName>;

export interface LabelRunView {
  run: LabelRunRecord;
  progress: RunProgress;
  /** From the answers of the last 30 s; no rate and an ETA of 0 once the run has ended. */
  rate: RateEstimate;
}

const ENDED: readonly string[] = ['completed', 'failed', 'cancelled'];

export const labelRunsService = (deps: {
  /** Refuses models past their shutdown date on their connection, before anything is written. */
  shutDown: Pick<ShutDownModels, 'refuse'>;
  db: Database;
  labelRunsRepo: Pick<
    LabelRunsRepository,
    | 'findById'
    | 'progress'
    | 'recentProgress'
    | 'insert'
    | 'listForVersion'
    | 'transition'
    | 'resultsPage'
    | 'listActive'
  >;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'loadAll' | 'textsByIds' | 'labelsFor'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  tasks: Pick<TasksService, 'get'>;
  queues: Pick<Queues, 'enqueueMany' | 'requeue' | 'firstFailed'>;
  providers: Pick<Providers, 'has' | 'isConfigured' | 'configHint' | 'defaultModel'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => {
  const getRun = (id: string): Promise<LabelRunRecord> =>
    findOr404('label run', id, (known) => deps.labelRunsRepo.findById(known));

  const view = async (run: LabelRunRecord): Promise<LabelRunView> => {
    const progress = await deps.labelRunsRepo.progress(run.id);
    if (ENDED.includes(run.status)) return { run, progress, rate: { perSecond: null, etaSeconds: 0 } };
    const answered = progress.labeled + progress.unparseable + progress.failed;
    const recent = await deps.labelRunsRepo.recentProgress(run.id);
    const rate = slidingRate(samplesFromBuckets(recent.buckets, answered), recent.nowMs, run.total - answered);
    return { run, progress, rate };
  };

  const chunkJobs = (run: LabelRunRecord) =>
    Array.from({ length: Math.ceil(run.total / CHUNK_SIZE) }, (_, index) => {
      const fromSeq = index * CHUNK_SIZE;
      return labelingChunkJob(run.id, fromSeq, Math.min(run.total, fromSeq + CHUNK_SIZE));
    });

  return {
    /**
     * `options.id` makes creation idempotent for callers that record the id first (pipelines):
     * creating again with the same id returns the run that exists.
     */
    async create(versionId: string, input: CreateLabelRunInput, options: { id?: string } = {}): Promise<LabelRunView> {
      const existing = options.id ? await deps.labelRunsRepo.findById(options.id) : undefined;
      if (existing) {
        await deps.queues.enqueueMany('labeling', chunkJobs(existing));
        return view(existing);
      }
      const version = await deps.datasets.getVersion(versionId);
      const task = await deps.tasks.get((await deps.datasets.getDataset(version.datasetId)).taskId);
      if (task.archivedAt) throw errors.archived('task', task.slug);
      requireUsableProvider(deps.providers, input.provider);
      const model = input.model ?? deps.providers.defaultModel(input.provider);
      await deps.shutDown.refuse(input.provider, model, 'body.model');
      const labelNames = new Set(task.labels.map((label) => label.name));
      // Given few-shot examples go into the prompt; the run's params keep the rest of the request.
      const { fewShotExamples, ...asked } = input;
      const problems: FieldProblem[] = [];
      (fewShotExamples ?? []).forEach((example, index) => {
        if (!labelNames.has(example.label))
          problems.push({ field: `body.few_shot_examples[${index}].label`, message: 'is not a label of the task' });
      });
      const negativeLabel = input.refine && (input.refine.negativeLabel ?? defaultNegativeLabel(task.labels));
      if (input.refine && negativeLabel === undefined) {
        problems.push({
          field: 'body.refine.negative_label',
          message: 'the task has no label named nil; name the label weak examples take',
        });
      } else if (negativeLabel !== undefined && !labelNames.has(negativeLabel)) {
        problems.push({ field: 'body.refine.negative_label', message: 'is not a label of the task' });
      }
      const signalPrompt = input.refine?.signalPrompt;
      if (signalPrompt !== undefined && fewShotExamples !== undefined) {
        problems.push({
          field: 'body.few_shot_examples',
          message: 'a signal prompt takes its examples from refine.signal_examples',
        });
      }
      if (signalPrompt === undefined && input.refine?.signalExamples !== undefined) {
        problems.push({ field: 'body.refine.signal_examples', message: 'only with refine.signal_prompt' });
      }
      if (signalPrompt !== undefined && input.mode === 'few_shot' && !input.refine?.signalExamples) {
        problems.push({ field: 'body.refine.signal_examples', message: 'few-shot signal questions need examples' });
      }
      if (problems.length > 0) throw errors.validation('The label run is invalid.', problems);

      const rows = await deps.datasetRowsRepo.loadAll(version.id);
      let fewShot: FewShotExample[] = [];
      if (input.mode === 'few_shot' && signalPrompt === undefined) {
        const labeled = rows.filter((row) => row.label !== null && labelNames.has(row.label));
        fewShot =
          fewShotExamples ??
          pickFewShot(
            labeled.map((row) => ({ exampleId: row.exampleId, text: row.text, label: row.label! })),
            input.k ?? DEFAULT_FEW_SHOT_K,
            input.seed ?? 42,
          );
        if (fewShot.length === 0) {
          throw errors.validation('Few-shot labeling needs labeled examples.', [
            { field: 'body.few_shot_examples', message: 'the version has no labeled rows to draw from; give examples' },
          ]);
        }
      }

      const seen = new Set<string>();
      const items: string[] = [];
      for (const row of rows) {
        if (input.onlyUnlabeled && row.label !== null) continue;
        if (seen.has(row.exampleId)) continue;
        seen.add(row.exampleId);
        items.push(row.exampleId);
      }
      const limited = input.limits?.maxExamples !== undefined ? items.slice(0, input.limits.maxExamples) : items;
      if (limited.length === 0) {
        // Refining is what a fully labeled version is for; say how rather than just "nothing to do".
        throw errors.nothingToLabel(input.onlyUnlabeled && rows.length > 0 && input.refine !== undefined);
      }

      const prompt: LabelRunPrompt =
        signalPrompt === undefined
          ? { ...taskPrompt(task, { instructions: input.instructions, fewShot }), labelCodes: version.labelCodes }
          : {
              // The yes/no question replaces the task's: its own labels, its own examples.
              ...taskPrompt(
                { instructions: signalPrompt, labels: [{ name: SIGNAL_YES }, { name: SIGNAL_NO }] },
                {
                  fewShot: (input.refine?.signalExamples ?? []).map((example) => ({
                    text: example.text,
                    label: example.signal ? SIGNAL_YES : SIGNAL_NO,
                  })),
                },
              ),
              labelCodes: {},
            };
      const run = await deps.labelRunsRepo.insert(
        {
          id: options.id ?? newId(),
          taskId: task.id,
          sourceVersionId: version.id,
          status: 'queued',
          provider: input.provider,
          model,
          mode: input.mode,
          params: {
            ...asked,
            refine: input.refine && {
              negativeLabel: negativeLabel!,
              minConfidence: input.refine.minConfidence,
              signalPrompt,
            },
            k: input.mode === 'few_shot' ? (signalPrompt ? prompt.fewShot.length : fewShot.length) : undefined,
          },
          prompt,
          total: limited.length,
        },
        limited,
      );
      await deps.queues.enqueueMany('labeling', chunkJobs(run));
      return view(run);
    },

    get: async (id: string) => view(await getRun(id)),

    async list(versionId: string, page: { limit: number; cursor?: string }) {
      const version = await deps.datasets.getVersion(versionId);
      const found = toPage(
        await deps.labelRunsRepo.listForVersion(version.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
      return { data: await Promise.all(found.data.map(view)), nextCursor: found.nextCursor };
    },

    /** Stops a run; examples already answered stay recorded. Cancelling a finished run is a no-op. */
    async cancel(id: string): Promise<LabelRunView> {
      const run = await getRun(id);
      const cancelled = await deps.labelRunsRepo.transition(run.id, ['queued', 'running'], 'cancelled', {
        finishedAt: new Date(),
      });
      if (cancelled) await deps.wake.ended({ labelRunId: run.id });
      return view(cancelled ?? (await getRun(id)));
    },

    async results(id: string, page: { limit: number; cursor?: string }) {
      const run = await getRun(id);
      const afterExampleId =
        page.cursor === undefined ? undefined : Buffer.from(page.cursor, 'base64url').toString('utf8');
      if (afterExampleId !== undefined && !/^[0-9a-f]{64}$/.test(afterExampleId)) throw errors.invalidCursor();
      const found = await deps.labelRunsRepo.resultsPage(run.id, { limit: page.limit, afterExampleId });
      const answers = found.slice(0, page.limit);
      // Each answer beside its text and the label the example had in the run's version.
      const ids = answers.map((answer) => answer.exampleId);
      const [texts, labels] = await Promise.all([
        deps.datasetRowsRepo.textsByIds(ids),
        deps.datasetRowsRepo.labelsFor(run.sourceVersionId, ids),
      ]);
      const data = answers.map((answer) => ({
        ...answer,
        text: texts.get(answer.exampleId) ?? '',
        currentLabel: labels.get(answer.exampleId)?.label ?? null,
      }));
      const last = data.at(-1);
      return {
        data,
        nextCursor: found.length > page.limit && last ? Buffer.from(last.exampleId).toString('base64url') : null,
      };
    },

    /**
     * Makes sure every unfinished run has its chunk jobs queued. Job ids are deterministic, so this
     * adds nothing that is already queued; it re-creates what a Redis restart lost, and a chunk
     * whose examples are all answered just finishes (finalizing the run if it was the last).
     */
    async resumeActive(): Promise<number> {
      const active = await deps.labelRunsRepo.listActive();
      for (const run of active) {
        await resumeChunks(deps.queues, 'labeling', chunkJobs(run), async (message) => {
          await deps.labelRunsRepo.transition(run.id, ['queued', 'running'], 'failed', {
            errorCode: 'job_failed',
            errorMessage: message,
            finishedAt: new Date(),
          });
          await deps.wake.ended({ labelRunId: run.id });
        });
      }
      return active.length;
    },

    /** Runs a failed run again: answers already recorded stay, only the examples still unanswered are labeled. */
    async retry(id: string): Promise<LabelRunView> {
      const run = await getRun(id);
      if (run.status !== 'failed') throw errors.notFailed('label run', run.id, run.status);
      const queued = await deps.labelRunsRepo.transition(run.id, ['failed'], 'queued', {
        errorCode: null,
        errorMessage: null,
        finishedAt: null,
      });
      if (queued) await deps.queues.requeue('labeling', chunkJobs(queued));
      return view(queued ?? (await getRun(id)));
    },
  };
};

export type LabelRunsService = ReturnType<typeof labelRunsService>;
