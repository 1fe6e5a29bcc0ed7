import type { Logger } from 'pino';
import type { DatasetVersionsRepository } from '../../db/repositories/dataset-versions-repository.js';
import type { DatasetsRepository } from '../../db/repositories/datasets-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { PipelinesRepository } from '../../db/repositories/pipelines-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import type { Operation } from '../../domain/datasets/operations.js';
import { newId } from '../../domain/ids.js';
import { dayOf } from '../../domain/model-lifecycle.js';
import {
  type OnShutdownPolicy,
  type PipelineOrigin,
  retrainDue,
  retrainKey,
  retrainReason,
} from '../../domain/routing/on-shutdown.js';
import { isAppError } from '../../errors.js';
import type { ModelCatalogueService } from '../model-versions/model-catalogue.js';
import type { PipelinesService } from '../pipelines/pipelines-service.js';

export interface RetrainRequested {
  taskId: string;
  pipelineId: string;
  shutdownDate: string;
}

/**
 * The `on_shutdown` policy at work: for each task with one, when its champion's model (for a
 * fine-tune, its base) is within `daysBefore` days of its shutdown date on the champion's
 * connection, one pipeline retrains on the policy's connection and base model, and the usual
 * promotion rules decide whether its candidate replaces the champion. Run by the housekeeping
 * worker on a schedule; `now` is a parameter so the decision can be checked at any date.
 */
export const shutdownRetrains = (deps: {
  routingRepo: Pick<RoutingRepository, 'withOnShutdown' | 'addEvent'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  datasetsRepo: Pick<DatasetsRepository, 'list'>;
  datasetVersionsRepo: Pick<DatasetVersionsRepository, 'findById' | 'latest'>;
  pipelinesRepo: Pick<PipelinesRepository, 'findByOriginKey'>;
  pipelines: Pick<PipelinesService, 'create'>;
  catalogue: Pick<ModelCatalogueService, 'shutdownOf'>;
  logger: Pick<Logger, 'warn' | 'info'>;
}) => {
  /**
   * What the retrain trains on: the champion's own training data, prepared the same way (its
   * trained-on version's parent and operations, so deriving it again finds that very version and
   * the candidate is judged on the rows the champion was). A champion with no recorded training
   * version (a prompt-only model, one registered from elsewhere) gets the newest version of the
   * task's newest dataset, prepared by the pipeline's default.
   */
  const trainingData = async (
    champion: ModelVersionRecord,
  ): Promise<{ datasetVersionId: string; prepare?: { operations: Operation[] } } | undefined> => {
    const trained = champion.trainedOnVersionId
      ? await deps.datasetVersionsRepo.findById(champion.trainedOnVersionId)
      : undefined;
    if (trained) {
      const operations = (trained.params as { operations?: Operation[] }).operations;
      return trained.operation === 'derive' && trained.parentId && operations
        ? { datasetVersionId: trained.parentId, prepare: { operations } }
        : { datasetVersionId: trained.id };
    }
    const [dataset] = await deps.datasetsRepo.list(champion.taskId, { limit: 1 });
    const newest = dataset ? await deps.datasetVersionsRepo.latest(dataset.id) : undefined;
    return newest ? { datasetVersionId: newest.id } : undefined;
  };

  const checkTask = async (
    taskId: string,
    championId: string,
    policy: OnShutdownPolicy,
    now: Date,
  ): Promise<RetrainRequested | undefined> => {
    const champion = await deps.modelVersionsRepo.findById(championId);
    if (!champion || champion.status === 'retired') return undefined;
    const known = await deps.catalogue.shutdownOf(champion.provider, champion.model, 'always');
    if (!known) return undefined;
    const { due, daysLeft } = retrainDue(policy, known.date, dayOf(now));
    if (!due) return undefined;
    const key = retrainKey(taskId, known.date);
    if (await deps.pipelinesRepo.findByOriginKey(key)) return undefined;
    const data = await trainingData(champion);
    if (!data) {
      deps.logger.warn({ taskId, championId }, 'on_shutdown: the task has no dataset version to retrain on');
      return undefined;
    }
    const origin: PipelineOrigin = {
      trigger: 'on_shutdown',
      championId: champion.id,
      championModel: champion.model,
      shutdownDate: known.date,
      shutdownSource: known.source,
      daysBefore: policy.daysBefore,
    };
    try {
      const created = await deps.pipelines.create(
        taskId,
        {
          ...data,
          candidates: [{ provider: policy.retrainWith.provider, baseModel: policy.retrainWith.baseModel }],
        },
        {
          origin: { origin, key },
          // The request goes into the history with the pipeline, or neither is written.
          inTransaction: (pipeline, tx) =>
            deps.routingRepo.addEvent(
              {
                id: newId(),
                taskId,
                action: 'retrain_requested',
                fromModelId: champion.id,
                toModelId: null,
                reason: retrainReason(origin, policy),
                numbers: {
                  trigger: 'on_shutdown',
                  shutdown_date: known.date,
                  shutdown_source: known.source,
                  days_before: policy.daysBefore,
                  days_left: daysLeft,
                  pipeline_id: pipeline.id,
                  provider: policy.retrainWith.provider,
                  base_model: policy.retrainWith.baseModel,
                  dataset_version_id: data.datasetVersionId,
                },
                actor: 'policy',
              },
              tx,
            ),
        },
      );
      return { taskId, pipelineId: created.pipeline.id, shutdownDate: known.date };
    } catch (error) {
      // Another check made it first (conflict), or the pipeline cannot run as asked (the task was
      // archived, the connection lost its key): nothing to retry now; the next check looks again.
      if (!isAppError(error) || error.statusCode >= 500) throw error;
      if (error.code !== 'conflict')
        deps.logger.warn({ taskId, err: error, fields: error.fields }, 'on_shutdown: the retrain could not start');
      return undefined;
    }
  };

  return {
    /** Looks at every task with a policy; returns the retrains it started (none when already started). */
    async check(now: Date = new Date()): Promise<{ checked: number; requested: RetrainRequested[] }> {
      const rows = await deps.routingRepo.withOnShutdown();
      const requested: RetrainRequested[] = [];
      for (const row of rows) {
        // One task's trouble (its provider down) must not stop the others' checks.
        try {
          const made = await checkTask(row.taskId, row.championId!, row.onShutdown!, now);
          if (made) requested.push(made);
        } catch (error) {
          deps.logger.warn({ taskId: row.taskId, err: error }, 'on_shutdown: check failed');
        }
      }
      if (requested.length > 0) deps.logger.info({ requested }, 'on_shutdown: retrains started');
      return { checked: rows.length, requested };
    },
  };
};

export type ShutdownRetrains = ReturnType<typeof shutdownRetrains>;
