import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { EvaluationsRepository, PredictionFilter } from '../../db/repositories/evaluations-repository.js';
import type { EvaluationRecord } from '../../db/schema/evaluations.js';
import type { Split } from '../../domain/datasets/rows.js';
import { classificationReport } from '../../domain/evaluation/classification-report.js';
import {
  formatClassificationReport,
  formatConfusionMatrix,
  formatFailureCounts,
  formatMetricsSummary,
} from '../../domain/evaluation/report-text.js';
import { rowOutcomes } from '../../domain/evaluation/row-outcomes.js';
import { newId } from '../../domain/ids.js';
import { goodThresholdProblems } from '../../domain/task-definition.js';
import { afterCursor, afterNumberCursor, toPage, toPageBy } from '../../domain/pagination.js';
import { type RateEstimate, samplesFromBuckets, slidingRate } from '../../domain/progress/sliding-rate.js';
import { errors } from '../../errors.js';
import { evaluationChunkJob, type Queues } from '../../queues/queue-registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { ModelVersionsService } from '../model-versions/model-versions-service.js';
import type { TasksService } from '../tasks-service.js';
import { resumeChunks } from '../chunk-resume.js';
import { findOr404 } from '../lookup.js';
import type { ShutDownModels } from '../model-versions/shut-down-models.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { CascadeEvaluations } from './cascade-evaluations.js';

/** Rows per job on the evaluation queue. */
const EVALUATION_CHUNK = 25;

export const evaluationsService = (deps: {
  /** Refuses models past their shutdown date on their connection, before anything is written. */
  shutDown: Pick<ShutDownModels, 'refuse'>;
  evaluationsRepo: Pick<
    EvaluationsRepository,
    | 'findById'
    | 'insert'
    | 'answered'
    | 'recentProgress'
    | 'listForTask'
    | 'rows'
    | 'predictionsPage'
    | 'latestForModels'
    | 'listActive'
    | 'transition'
  >;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'stream' | 'labelsFor'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  modelVersions: Pick<ModelVersionsService, 'get'>;
  queues: Pick<Queues, 'enqueueMany' | 'requeue' | 'firstFailed'>;
  tasks: Pick<TasksService, 'get'>;
  wake: Pick<PipelineWake, 'ended'>;
  /** A cascade's evaluation is computed from its stages' evaluations, not queued. */
  cascades: Pick<CascadeEvaluations, 'create'>;
}) => {
  const get = (id: string): Promise<EvaluationRecord> =>
    findOr404('evaluation', id, (known) => deps.evaluationsRepo.findById(known));

  const chunkJobs = (evaluation: EvaluationRecord) =>
    Array.from({ length: Math.ceil(evaluation.total / EVALUATION_CHUNK) }, (_, index) => {
      const fromSeq = index * EVALUATION_CHUNK;
      return evaluationChunkJob(evaluation.id, fromSeq, Math.min(evaluation.total, fromSeq + EVALUATION_CHUNK));
    });

  return {
    get,

    /** Scores a model on a version's split (labeled rows only), in the background. */
    async create(input: { modelVersionId: string; datasetVersionId: string; split: Split; goodThreshold?: string }) {
      const model = await deps.modelVersions.get(input.modelVersionId);
      const version = await deps.datasets.getVersion(input.datasetVersionId);
      const dataset = await deps.datasets.getDataset(version.datasetId);
      if (dataset.taskId !== model.taskId) {
        throw errors.validation('The model and the dataset belong to different tasks.', [
          { field: 'body.dataset_version_id', message: 'not a version of the model’s task' },
        ]);
      }
      if (model.status === 'retired') throw errors.modelRetired(`The model version ${model.id} is retired.`);
      // A version registered while its model still served: every call would fail now.
      if (model.kind !== 'cascade') await deps.shutDown.refuse(model.provider, model.model, 'body.model_version_id');
      const task = await deps.tasks.get(model.taskId);
      if (input.goodThreshold !== undefined) {
        const problems = goodThresholdProblems(task.labels, input.goodThreshold, 'body.good_threshold');
        if (problems.length > 0) throw errors.validation('The good-vs-bad threshold is invalid.', problems);
      }
      if (model.kind === 'cascade')
        return deps.cascades.create(model, {
          datasetVersionId: version.id,
          split: input.split,
          goodThreshold: input.goodThreshold ?? null,
          labels: task.labels.map((label) => label.name),
        });
      // Rows whose label the task no longer has cannot be scored; they are left out.
      const labels = new Set(task.labels.map((label) => label.name));
      const items: { exampleId: string; trueLabel: string }[] = [];
      for await (const batch of deps.datasetRowsRepo.stream(version.id, { split: input.split, labeledOnly: true })) {
        for (const row of batch)
          if (labels.has(row.label!)) items.push({ exampleId: row.exampleId, trueLabel: row.label! });
      }
      if (items.length === 0) {
        throw errors.validation(`The ${input.split} split has no labeled rows.`, [
          { field: 'body.split', message: 'no labeled rows' },
        ]);
      }
      const evaluation = await deps.evaluationsRepo.insert(
        {
          id: newId(),
          taskId: model.taskId,
          modelVersionId: model.id,
          datasetVersionId: version.id,
          split: input.split,
          status: 'queued',
          total: items.length,
          goodThreshold: input.goodThreshold ?? null,
        },
        items,
      );
      await deps.queues.enqueueMany('evaluation', chunkJobs(evaluation));
      return evaluation;
    },

    /** Rows answered, and the rate and ETA from the last 30 s of answers (an ETA of 0 once it ended). */
    async progress(evaluation: EvaluationRecord): Promise<{ answered: number; rate: RateEstimate }> {
      const answered = await deps.evaluationsRepo.answered(evaluation.id);
      if (!['queued', 'running'].includes(evaluation.status))
        return { answered, rate: { perSecond: null, etaSeconds: 0 } };
      const recent = await deps.evaluationsRepo.recentProgress(evaluation.id);
      const rate = slidingRate(samplesFromBuckets(recent.buckets, answered), recent.nowMs, evaluation.total - answered);
      return { answered, rate };
    },

    async list(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      return toPage(
        await deps.evaluationsRepo.listForTask(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
    },

    /**
     * The plain-text report a person reads: scikit-learn's layout, the rows without a usable
     * answer, ordinal accuracies, cost and latency, then the confusion matrix.
     */
    async textReport(id: string): Promise<string> {
      const evaluation = await get(id);
      if (evaluation.status !== 'completed' || !evaluation.metrics) {
        throw errors.notReady(`The evaluation is ${evaluation.status}; its report exists once it has completed.`);
      }
      const { confusion_matrix: matrix, unknown_predictions: unknownLabels } = evaluation.metrics;
      const rows = await deps.evaluationsRepo.rows(evaluation.id);
      const { failedCalls, unparseableAnswers } = rowOutcomes(rows);
      const report = classificationReport(
        rows.map((row) => row.trueLabel),
        rows.map((row) => (row.errorCode ? null : row.predicted)),
        matrix.labels,
      );
      const failures = formatFailureCounts({ rows: rows.length, failedCalls, unparseableAnswers, unknownLabels });
      const summary = formatMetricsSummary(evaluation.metrics);
      return `${formatClassificationReport(report)}\n${failures}${summary}\n${formatConfusionMatrix(matrix.matrix, matrix.labels)}\n`;
    },

    rows: (id: string) => deps.evaluationsRepo.rows(id),

    /**
     * A page of predictions beside each example's text and its label in the evaluated version
     * (`currentLabel`), for a person reading the mistakes.
     */
    async predictions(id: string, filter: PredictionFilter, page: { limit: number; cursor?: string }) {
      const evaluation = await get(id);
      const found = toPageBy(
        await deps.evaluationsRepo.predictionsPage(
          evaluation.id,
          { limit: page.limit, afterSeq: afterNumberCursor(page.cursor) },
          filter,
        ),
        page.limit,
        (row) => row.seq,
      );
      const labels = await deps.datasetRowsRepo.labelsFor(
        evaluation.datasetVersionId,
        found.data.map((row) => row.exampleId),
      );
      return {
        data: found.data.map((row) => ({ ...row, currentLabel: labels.get(row.exampleId)?.label ?? null })),
        nextCursor: found.nextCursor,
      };
    },

    latestFor: async (modelVersionId: string, limit = 5) =>
      (await deps.evaluationsRepo.latestForModels([modelVersionId])).slice(0, limit),

    existsFor: async (modelVersionId: string) =>
      (await deps.evaluationsRepo.latestForModels([modelVersionId])).length > 0,

    async resumeActive() {
      const active = await deps.evaluationsRepo.listActive();
      for (const evaluation of active) {
        await resumeChunks(deps.queues, 'evaluation', chunkJobs(evaluation), async (message) => {
          await deps.evaluationsRepo.transition(evaluation.id, ['queued', 'running'], 'failed', {
            errorCode: 'job_failed',
            errorMessage: message,
            finishedAt: new Date(),
          });
          await deps.wake.ended({ evaluationId: evaluation.id });
        });
      }
      return active.length;
    },

    /** Runs a failed evaluation again: predictions already stored stay, only the rows still unscored are predicted. */
    async retry(id: string): Promise<EvaluationRecord> {
      const evaluation = await get(id);
      if (evaluation.status !== 'failed') throw errors.notFailed('evaluation', evaluation.id, evaluation.status);
      const model = await deps.modelVersions.get(evaluation.modelVersionId);
      if (model.status === 'retired') throw errors.modelRetired(`The model version ${model.id} is retired.`);
      const queued = await deps.evaluationsRepo.transition(evaluation.id, ['failed'], 'queued', {
        errorCode: null,
        errorMessage: null,
        finishedAt: null,
      });
      if (queued) await deps.queues.requeue('evaluation', chunkJobs(queued));
      return queued ?? get(id);
    },
  };
};

export type EvaluationsService = ReturnType<typeof evaluationsService>;
