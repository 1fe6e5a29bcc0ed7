import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { MonitoringRow, PredictionsRepository } from '../../db/repositories/predictions-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import { DEFAULT_MIN_DRIFT_SAMPLE, driftReading, populationStability } from '../../domain/monitoring/psi.js';
import { errors } from '../../errors.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { TasksService } from '../tasks-service.js';
import type { CascadeMonitoring } from './cascade-monitoring.js';

const HOUR_MS = 3600_000;
const MAX_BUCKETS = 1_000;

export interface MonitoringQuery {
  since?: Date;
  until?: Date;
  bucketSeconds?: number;
  referenceVersionId?: string;
  /** Predictions the window needs before drift can be called significant. */
  minPredictions?: number;
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

const figures = (row: MonitoringRow) => ({
  predictions: row.predictions,
  served_by_champion: row.champion,
  served_by_fallback: row.fallback,
  failed: row.failed,
  fallback_rate: ratio(row.fallback, row.champion + row.fallback),
  error_rate: ratio(row.failed, row.predictions),
  latency_ms: { p50: row.p50, p95: row.p95, p99: row.p99 },
  feedback: row.feedback,
  correct: row.correct,
  live_accuracy: ratio(row.correct, row.feedback),
});

const EMPTY: MonitoringRow = {
  bucket: null,
  model_version_id: null,
  by_model: false,
  by_bucket: false,
  predictions: 0,
  champion: 0,
  fallback: 0,
  failed: 0,
  feedback: 0,
  correct: 0,
  p50: null,
  p95: null,
  p99: null,
};

/**
 * How a task is doing in production over a time window: traffic, fallback and error rates,
 * latency percentiles, live accuracy from feedback per model version over time, and drift of
 * the predicted labels against the distribution the champion was trained on; and, for cascades
 * that served in the window, each stage's reach, escalation rate, live accuracy and the cost served.
 */
export const monitoringService = (deps: {
  predictionsRepo: Pick<PredictionsRepository, 'monitoring' | 'labelCounts'>;
  tasks: Pick<TasksService, 'get'>;
  routingRepo: Pick<RoutingRepository, 'get'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  cascades: Pick<CascadeMonitoring, 'get'>;
}) => {
  /** Training labels to compare with: the given version, or the one the champion was trained on. */
  const referenceOf = async (taskId: string, given: string | undefined) => {
    let versionId = given;
    if (!versionId) {
      const { championId } = await deps.routingRepo.get(taskId);
      const champion = championId ? await deps.modelVersionsRepo.findById(championId) : undefined;
      versionId = champion?.trainedOnVersionId ?? undefined;
      if (!versionId)
        return { reason: 'the champion was not trained on a dataset version here; pass reference_version_id' };
    }
    const version = await deps.datasets.getVersion(versionId);
    const dataset = await deps.datasets.getDataset(version.datasetId);
    if (dataset.taskId !== taskId) {
      throw errors.validation('The reference version belongs to another task.', [
        { field: 'query.reference_version_id', message: 'not a version of this task' },
      ]);
    }
    const { stats } = version;
    const train = stats.splits?.train;
    return train && train.rows > 0
      ? { versionId, split: 'train' as const, distribution: train.label_distribution }
      : { versionId, split: 'all' as const, distribution: stats.label_distribution ?? {} };
  };

  return {
    async get(taskRef: string, query: MonitoringQuery) {
      const task = await deps.tasks.get(taskRef);
      const until = query.until ?? new Date();
      const since = query.since ?? new Date(until.getTime() - 24 * HOUR_MS);
      if (since >= until)
        throw errors.validation('The window is empty.', [{ field: 'query.since', message: 'must be before until' }]);
      const bucketSeconds =
        query.bucketSeconds ?? Math.max(60, Math.ceil((until.getTime() - since.getTime()) / 1000 / 24 / 60) * 60);
      if ((until.getTime() - since.getTime()) / 1000 / bucketSeconds > MAX_BUCKETS) {
        throw errors.validation(`The window would have more than ${MAX_BUCKETS} buckets.`, [
          { field: 'query.bucket_seconds', message: 'too small for this window' },
        ]);
      }
      const [rows, predicted, reference, cascades] = await Promise.all([
        deps.predictionsRepo.monitoring(task.id, since, until, bucketSeconds),
        deps.predictionsRepo.labelCounts(task.id, since, until),
        referenceOf(task.id, query.referenceVersionId),
        deps.cascades.get(task.id, since, until),
      ]);
      const labels = task.labels.map((label) => label.name);
      const total = rows.find((row) => !row.by_model && !row.by_bucket) ?? EMPTY;
      const perModel = (row: MonitoringRow) => ({ model_version_id: row.model_version_id!, ...figures(row) });
      const drift =
        'reason' in reference
          ? { psi: null, level: null, significant: false, reason: reference.reason }
          : (() => {
              const result = populationStability(reference.distribution, predicted, labels);
              const count = (counts: Record<string, number>) =>
                labels.reduce((sum, label) => sum + (counts[label] ?? 0), 0);
              return {
                reference_version_id: reference.versionId,
                reference_split: reference.split,
                ...(result
                  ? driftReading(
                      result,
                      { predictions: count(predicted), referenceRows: count(reference.distribution) },
                      query.minPredictions ?? DEFAULT_MIN_DRIFT_SAMPLE,
                    )
                  : {
                      psi: null,
                      level: null,
                      significant: false,
                      reason: 'no labeled predictions or reference rows to compare',
                    }),
              };
            })();
      return {
        task: task.slug,
        since: since.toISOString(),
        until: until.toISOString(),
        bucket_seconds: bucketSeconds,
        totals: figures(total),
        models: rows.filter((row) => row.by_model && !row.by_bucket && row.model_version_id).map(perModel),
        series: rows
          .filter((row) => row.by_bucket && !row.by_model)
          .map((row) => ({
            start: row.bucket!.toISOString(),
            ...figures(row),
            models: rows
              .filter(
                (other) =>
                  other.by_bucket &&
                  other.by_model &&
                  other.model_version_id &&
                  other.bucket?.getTime() === row.bucket!.getTime(),
              )
              .map(perModel),
          })),
        predicted_labels: Object.fromEntries(labels.map((label) => [label, predicted[label] ?? 0])),
        drift,
        cascades,
      };
    },
  };
};

export type MonitoringService = ReturnType<typeof monitoringService>;
