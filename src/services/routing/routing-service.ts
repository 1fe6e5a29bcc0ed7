import type { Database, Executor } from '../../db/client.js';
import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { EvaluationRecord } from '../../db/schema/evaluations.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import type { TaskRoutingRecord } from '../../db/schema/routing.js';
import { newId } from '../../domain/ids.js';
import { afterCursor, toPage } from '../../domain/pagination.js';
import { rowOutcomes } from '../../domain/evaluation/row-outcomes.js';
import { cascadeAuditNumbers } from '../../domain/routing/cascade-audit.js';
import {
  decidePromotion,
  metricValue,
  type Incumbent,
  type PromotionPolicy,
  type RankingMetric,
} from '../../domain/routing/promotion-policy.js';
import { errors } from '../../errors.js';
import type { ChangeNotices } from '../../lib/change-notices.js';
import type { ModelEndpointsService } from '../model-versions/model-endpoints-service.js';
import type { OnShutdownPolicy } from '../../domain/routing/on-shutdown.js';
import type { PipelinesRepository } from '../../db/repositories/pipelines-repository.js';
import type { Providers } from '../../providers/registry.js';
import type { TasksService } from '../tasks-service.js';

export interface PolicyChanges {
  metric?: RankingMetric;
  min_improvement?: number;
  min_test_size?: number;
  auto_promote?: boolean;
  max_failure_rate?: number;
  max_p_value?: number | null;
  timeout_ms?: number;
  log_inputs?: boolean;
  fallback_model_version_id?: string | null;
  on_shutdown?: { retrain_with: { provider: string; base_model: string }; days_before: number } | null;
}

/**
 * Champion, fallback and promotion policy per task. Every change runs under a lock on the task's
 * routing row and leaves an audit event with its reason and the numbers behind it.
 */
export const routingService = (deps: {
  db: Database;
  routingRepo: Pick<RoutingRepository, 'lock' | 'update' | 'addEvent' | 'get' | 'lastPromotion' | 'history'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'rows' | 'latestForModels' | 'completedOn'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById' | 'update' | 'cascadesWith'>;
  tasks: Pick<TasksService, 'get'>;
  notices: Pick<ChangeNotices, 'publish'>;
  /** Stops the dedicated endpoints of a model that leaves service (retired, rolled back from). */
  endpoints?: Pick<ModelEndpointsService, 'stopFor'>;
  logger?: { error(object: object, message: string): void };
  providers: Pick<Providers, 'has' | 'capabilities'>;
  /** Where a trained model came from, so a promotion can say it was an on_shutdown retrain. */
  pipelinesRepo: Pick<PipelinesRepository, 'originOfFineTune'>;
}) => {
  /**
   * After the routing change is committed: its endpoints are marked to be stopped and stopped in
   * the background (see stopFor). A failure here leaves the retirement in place; the endpoint sweep
   * stops the endpoints of retired models it finds still running.
   */
  const stopEndpointsOf = async (modelId: string, reason: string) => {
    try {
      await deps.endpoints?.stopFor(modelId, reason);
    } catch (error) {
      deps.logger?.error({ err: error, modelVersionId: modelId }, 'could not mark endpoints to stop');
    }
  };

  /** The API's on_shutdown as stored; its provider must be a connection here that trains. */
  const onShutdownOf = (given: NonNullable<PolicyChanges['on_shutdown']>): OnShutdownPolicy => {
    const { provider, base_model: baseModel } = given.retrain_with;
    const field = 'body.on_shutdown.retrain_with.provider';
    if (!deps.providers.has(provider))
      throw errors.validation('Unknown provider connection.', [
        { field, message: `no provider connection "${provider}" in this deployment` },
      ]);
    if (!deps.providers.capabilities(provider).training)
      throw errors.validation('The provider does not train models.', [
        { field, message: `${provider} does not fine-tune` },
      ]);
    return { retrainWith: { provider, baseModel }, daysBefore: given.days_before };
  };

  const modelOfTask = async (taskId: string, modelId: string, field: string): Promise<ModelVersionRecord> => {
    const model = await deps.modelVersionsRepo.findById(modelId);
    if (!model || model.taskId !== taskId) {
      throw errors.validation('Unknown model version.', [{ field, message: 'no such model version of this task' }]);
    }
    if (model.status === 'retired') throw errors.modelRetired(`Model version ${model.id} is retired and cannot serve.`);
    return model;
  };

  /** Keeps each model's status in step with the routing row. */
  const syncStatuses = async (before: TaskRoutingRecord, after: TaskRoutingRecord, tx: Executor) => {
    const touched = new Set(
      [before.championId, before.fallbackId, after.championId, after.fallbackId].filter((id): id is string =>
        Boolean(id),
      ),
    );
    for (const id of touched) {
      const model = await deps.modelVersionsRepo.findById(id, tx);
      if (!model || model.status === 'retired') continue;
      const status = id === after.championId ? 'champion' : id === after.fallbackId ? 'fallback' : 'candidate';
      if (model.status !== status) await deps.modelVersionsRepo.update(id, { status }, tx);
    }
  };

  const change = async (
    taskId: string,
    apply: (
      current: TaskRoutingRecord,
      tx: Executor,
    ) => Promise<
      | {
          changes: Partial<TaskRoutingRecord>;
          event?: {
            action: string;
            from?: string | null;
            to?: string | null;
            reason: string;
            numbers?: Record<string, unknown>;
            actor: string;
          };
        }
      | undefined
    >,
  ) => {
    const updated = await deps.db.transaction(async (tx) => {
      const current = await deps.routingRepo.lock(taskId, tx);
      const outcome = await apply(current, tx);
      if (!outcome) return current;
      const updated = await deps.routingRepo.update(taskId, outcome.changes, tx);
      await syncStatuses(current, updated, tx);
      if (outcome.event) {
        await deps.routingRepo.addEvent(
          {
            id: newId(),
            taskId,
            action: outcome.event.action,
            fromModelId: outcome.event.from ?? null,
            toModelId: outcome.event.to ?? null,
            reason: outcome.event.reason,
            numbers: outcome.event.numbers ?? null,
            actor: outcome.event.actor,
          },
          tx,
        );
      }
      return updated;
    });
    // After the commit: every API instance reloads the task's routing from what is now stored.
    await deps.notices.publish('routing', taskId);
    return updated;
  };

  const policyOf = (routing: TaskRoutingRecord): PromotionPolicy => ({
    metric: routing.metric,
    minImprovement: routing.minImprovement,
    minTestSize: routing.minTestSize,
    autoPromote: routing.autoPromote,
    maxFailureRate: routing.maxFailureRate,
    maxPValue: routing.maxPValue,
  });

  /** Per-row correctness, loaded only when the policy asks for a McNemar test. */
  const correctness = async (policy: PromotionPolicy, evaluationId: string) =>
    policy.maxPValue === null ? null : rowOutcomes(await deps.evaluationsRepo.rows(evaluationId)).correct;

  return {
    async get(taskRef: string) {
      const task = await deps.tasks.get(taskRef);
      return deps.routingRepo.get(task.id);
    },

    async updatePolicy(taskRef: string, changes: PolicyChanges, actor: string) {
      const task = await deps.tasks.get(taskRef);
      const fallback =
        changes.fallback_model_version_id === undefined || changes.fallback_model_version_id === null
          ? changes.fallback_model_version_id
          : (await modelOfTask(task.id, changes.fallback_model_version_id, 'body.fallback_model_version_id')).id;
      const onShutdown =
        changes.on_shutdown === undefined || changes.on_shutdown === null
          ? changes.on_shutdown
          : onShutdownOf(changes.on_shutdown);
      return change(task.id, async (current) => ({
        changes: {
          ...(onShutdown !== undefined ? { onShutdown } : {}),
          ...(changes.metric !== undefined ? { metric: changes.metric } : {}),
          ...(changes.min_improvement !== undefined ? { minImprovement: changes.min_improvement } : {}),
          ...(changes.min_test_size !== undefined ? { minTestSize: changes.min_test_size } : {}),
          ...(changes.auto_promote !== undefined ? { autoPromote: changes.auto_promote } : {}),
          ...(changes.max_failure_rate !== undefined ? { maxFailureRate: changes.max_failure_rate } : {}),
          ...(changes.max_p_value !== undefined ? { maxPValue: changes.max_p_value } : {}),
          ...(changes.timeout_ms !== undefined ? { timeoutMs: changes.timeout_ms } : {}),
          ...(changes.log_inputs !== undefined ? { logInputs: changes.log_inputs } : {}),
          ...(fallback !== undefined ? { fallbackId: fallback } : {}),
        },
        event: {
          action: fallback !== undefined && fallback !== current.fallbackId ? 'set_fallback' : 'update_policy',
          from: current.fallbackId,
          to: fallback ?? current.fallbackId,
          reason: 'policy changed',
          numbers: { ...changes },
          actor,
        },
      }));
    },

    /**
     * Makes a model champion by hand; the numbers of its latest evaluation go into the audit, or
     * the given ones (a routing mode change says what it set).
     */
    async promote(taskRef: string, modelId: string, reason: string, actor: string, given?: Record<string, unknown>) {
      const task = await deps.tasks.get(taskRef);
      const model = await modelOfTask(task.id, modelId, 'body.model_version_id');
      const [latest] = (await deps.evaluationsRepo.latestForModels([model.id])).filter(
        (evaluation) => evaluation.status === 'completed',
      );
      return change(task.id, async (current) =>
        current.championId === model.id
          ? undefined
          : {
              changes: { championId: model.id },
              event: {
                action: 'promote',
                from: current.championId,
                to: model.id,
                reason,
                numbers: {
                  ...(given ??
                    (latest
                      ? { evaluation_id: latest.id, [current.metric]: metricValue(latest.metrics!, current.metric) }
                      : {})),
                  ...cascadeAuditNumbers(model, latest?.metrics),
                },
                actor,
              },
            },
      );
    },

    /** Puts back the champion that the latest promotion replaced. */
    async rollback(taskRef: string, reason: string, actor: string) {
      const task = await deps.tasks.get(taskRef);
      const last = await deps.routingRepo.lastPromotion(task.id);
      if (!last?.fromModelId) throw errors.nothingToRollBack();
      const previous = await modelOfTask(task.id, last.fromModelId, 'path.task');
      let replaced = null as string | null;
      const updated = await change(task.id, async (current) => {
        replaced = current.championId;
        return {
          changes: { championId: previous.id },
          event: {
            action: 'rollback',
            from: current.championId,
            to: previous.id,
            reason,
            numbers: { undoes: last.id },
            actor,
          },
        };
      });
      if (replaced && replaced !== previous.id) await stopEndpointsOf(replaced, `rolled back: ${reason}`);
      return updated;
    },

    async history(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      return toPage(
        await deps.routingRepo.history(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
    },

    /** Takes a model out of service for good: it leaves routing and can never be champion again. */
    async retire(modelId: string, reason: string, actor: string) {
      const model = await deps.modelVersionsRepo.findById(modelId);
      if (!model || model.status === 'retired') return model;
      await change(model.taskId, async (current, tx) => {
        // A cascade cannot serve without each of its stages: it goes with the model, in this transaction.
        const cascades = await deps.modelVersionsRepo.cascadesWith(model.id, tx);
        const leaving = new Set([model.id, ...cascades.map((cascade) => cascade.id)]);
        for (const id of leaving) {
          const why = id === model.id ? reason : `a stage of this cascade was retired: ${reason}`;
          await deps.modelVersionsRepo.update(id, { status: 'retired', retiredAt: new Date(), retiredReason: why }, tx);
        }
        return {
          changes: {
            ...(current.championId && leaving.has(current.championId) ? { championId: null } : {}),
            ...(current.fallbackId && leaving.has(current.fallbackId) ? { fallbackId: null } : {}),
          },
          event: {
            action: 'retire',
            from: model.id,
            to: null,
            reason,
            actor,
            ...(cascades.length > 0 ? { numbers: { cascades_retired: cascades.map((cascade) => cascade.id) } } : {}),
          },
        };
      });
      await stopEndpointsOf(model.id, `retired: ${reason}`);
      return deps.modelVersionsRepo.findById(model.id);
    },

    /**
     * Makes a newly registered prompt-only model the task's fallback when it has none, so that
     * whatever becomes champion later is not left to serve alone by accident.
     */
    async adoptFallback(taskId: string, modelId: string) {
      return change(taskId, async (current) =>
        current.fallbackId
          ? undefined
          : {
              changes: { fallbackId: modelId },
              event: {
                action: 'set_fallback',
                from: null,
                to: modelId,
                reason: 'the task had no fallback; a prompt-only model was registered',
                actor: 'system',
              },
            },
      );
    },

    /**
     * The policy's verdict on a finished evaluation; a promotion happens at once when it says so.
     * Every verdict, promote or not, goes into the history with its numbers.
     */
    async onEvaluationCompleted(evaluation: EvaluationRecord) {
      const model = await deps.modelVersionsRepo.findById(evaluation.modelVersionId);
      if (!model) return;
      await change(evaluation.taskId, async (current, tx) => {
        const policy = policyOf(current);
        // Models are only compared on the same rows: the incumbents' evaluations on this version and split.
        const same = await deps.evaluationsRepo.completedOn(
          evaluation.taskId,
          evaluation.datasetVersionId,
          evaluation.split,
        );
        const incumbent = async (
          modelId: string | null,
        ): Promise<(Incumbent & { evaluationId: string | null }) | null> => {
          if (!modelId) return null;
          const found = same.find(
            (candidate) => candidate.modelVersionId === modelId && candidate.id !== evaluation.id,
          );
          return {
            modelId,
            evaluationId: found?.id ?? null,
            evaluation: found ? { metrics: found.metrics!, correct: await correctness(policy, found.id) } : null,
          };
        };
        const champion = await incumbent(current.championId);
        const fallback = champion ? null : await incumbent(current.fallbackId);
        const decision = decidePromotion({
          policy,
          challenger: {
            modelId: model.id,
            metrics: evaluation.metrics!,
            correct: await correctness(policy, evaluation.id),
            retired: model.status === 'retired',
          },
          champion,
          fallback,
        });
        const numbers = {
          ...decision.numbers,
          evaluation_id: evaluation.id,
          compared_evaluation_id: (champion ?? fallback)?.evaluationId ?? null,
          ...cascadeAuditNumbers(model, evaluation.metrics),
        };
        const action = decision.promote ? 'auto_promote' : 'no_promotion';
        // A model an on_shutdown retrain trained: the verdict says so, and what it was to replace.
        const retrain = model.sourceFineTuneId
          ? await deps.pipelinesRepo.originOfFineTune(model.sourceFineTuneId, tx)
          : undefined;
        const reason = retrain
          ? `on_shutdown retrain (champion ${retrain.origin.championModel} shuts down ${retrain.origin.shutdownDate}): ${decision.reason}`
          : decision.reason;
        const traced = retrain
          ? {
              ...numbers,
              trigger: retrain.origin.trigger,
              pipeline_id: retrain.pipelineId,
              replaces_model_version_id: retrain.origin.championId,
              shutdown_date: retrain.origin.shutdownDate,
            }
          : numbers;
        return {
          changes: decision.promote ? { championId: model.id } : {},
          event: { action, from: current.championId, to: model.id, reason, numbers: traced, actor: 'policy' },
        };
      });
    },
  };
};

export type RoutingService = ReturnType<typeof routingService>;
