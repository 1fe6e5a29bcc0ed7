import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { compileTextPreparation } from '../../domain/datasets/text-preparation.js';
import type { ChangeNotices } from '../../lib/change-notices.js';
import type { CallTarget } from '../inference/provider-calls.js';
import type { ModelClassifiers } from '../model-versions/model-classifiers.js';
import type { ModelEndpointsService } from '../model-versions/model-endpoints-service.js';
import { MODEL_GONE_REASON, type ModelShutdowns } from '../model-versions/model-shutdowns.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { TasksService } from '../tasks-service.js';

export interface ServingModel {
  id: string;
  name: string;
  provider: string;
  model: string;
  target: CallTarget;
  /** The text operations its training data went through, applied to an input first (none: as it is). */
  prepare?: (text: string) => string;
}

/** A cascade champion, ready to serve: its stage models in order, each but the last with its threshold. */
export interface ServingCascade {
  id: string;
  stages: { model: ServingModel; minConfidence: number | null }[];
  abstainBelow: number | null;
}

/** Everything classify needs about a task, held in memory. */
export interface Route {
  taskId: string;
  slug: string;
  archived: boolean;
  labels: string[];
  /** A single champion; null when there is none or the champion is a cascade. */
  champion: ServingModel | null;
  /** The champion when it is a cascade (routing mode cascade). */
  cascade: ServingCascade | null;
  fallback: ServingModel | null;
  timeoutMs: number;
  logInputs: boolean;
}

// A reload that failed (the database was away) is tried again this soon rather than at the next
// periodic reload, so a change announced meanwhile is not missed for a whole ROUTING_REFRESH_MS.
const RETRY_FAILED_RELOAD_MS = 2_000;

/**
 * Per-process copy of every served task's routing, so classify makes no database round trip.
 * A route is loaded on the first call for its task, reloaded when any process announces a
 * change (promotion, rollback, retirement, policy or task edit), and all routes are reloaded
 * periodically and after a Redis reconnect in case a notice was missed. A route in memory is
 * never dropped because a reload failed: classify keeps serving it through a database outage.
 */
export function routingTable(deps: {
  tasks: Pick<TasksService, 'get'>;
  routingRepo: Pick<RoutingRepository, 'get'>;
  routing: Pick<RoutingService, 'retire'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  classifiers: Pick<ModelClassifiers, 'targetFor'>;
  endpoints: Pick<ModelEndpointsService, 'servingNames'>;
  shutdowns: Pick<ModelShutdowns, 'pastShutdown'>;
  notices: Pick<ChangeNotices, 'subscribe' | 'ready'>;
  logger: Logger;
  metrics: Registry;
  refreshMs: number;
}) {
  const routes = new Map<string, Route>(); // by task id and by slug
  const loading = new Map<string, Promise<Route>>();
  const retiring = new Set<string>();
  // A model version never changes, so its input preparation is compiled once, not per reload or call.
  const preparations = new Map<string, ((text: string) => string) | undefined>();
  const preparationOf = (model: ModelVersionRecord) => {
    if (!preparations.has(model.id)) preparations.set(model.id, compileTextPreparation(model.textOperations));
    return preparations.get(model.id);
  };
  // Loads may finish out of order; the one that started last read the newest state and wins.
  let loadsStarted = 0;
  const appliedLoad = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const failedReloads = new Set<string>();
  let closed = false;
  const retirements = new Counter({
    name: 'tuneline_models_retired_total',
    help: 'Model versions taken out of routing automatically, by reason',
    labelNames: ['reason'] as const,
    registers: [deps.metrics],
  });

  /** Takes a model that can no longer serve out of routing (once per process); the notice reloads the route. */
  const retire = (model: { id: string }, reason: string, kind: 'model_not_found' | 'shutdown_date') => {
    if (retiring.has(model.id)) return;
    retiring.add(model.id);
    retirements.inc({ reason: kind });
    deps.routing.retire(model.id, reason, 'classify').catch((error: unknown) => {
      retiring.delete(model.id);
      deps.logger.error({ err: error, modelVersionId: model.id }, 'could not retire a model');
    });
  };

  const serving = (model: ModelVersionRecord | undefined, endpointNames: Map<string, string>): ServingModel | null => {
    if (!model || model.status === 'retired') return null;
    // Hosted models may be past their provider's shutdown date: checked in the background, daily.
    void deps.shutdowns
      .pastShutdown(model)
      .then(
        (reason) => reason && retire(model, reason, reason === MODEL_GONE_REASON ? 'model_not_found' : 'shutdown_date'),
      );
    return {
      id: model.id,
      name: model.name,
      provider: model.provider,
      model: model.model,
      target: deps.classifiers.targetFor(model, endpointNames.get(model.id)),
      prepare: preparationOf(model),
    };
  };

  const load = async (ref: string): Promise<Route> => {
    const started = ++loadsStarted;
    const task = await deps.tasks.get(ref);
    const routing = await deps.routingRepo.get(task.id);
    const [champion, fallback] = await Promise.all([
      routing.championId ? deps.modelVersionsRepo.findById(routing.championId) : undefined,
      routing.fallbackId ? deps.modelVersionsRepo.findById(routing.fallbackId) : undefined,
    ]);
    // A cascade calls no provider itself: its stages are the models that are asked (and checked).
    const cascade = champion?.kind === 'cascade' && champion.status !== 'retired' ? champion.cascade : null;
    const stageModels = cascade
      ? await Promise.all(cascade.stages.map((stage) => deps.modelVersionsRepo.findById(stage.modelVersionId)))
      : [];
    // Models served by a started dedicated endpoint are asked through it (the endpoint's name as the model).
    const endpointNames = await deps.endpoints.servingNames(
      [cascade ? undefined : champion, fallback, ...stageModels].flatMap((model) => (model ? [model.id] : [])),
    );
    const stages = stageModels.map((model) => serving(model, endpointNames));
    // A stage that cannot serve (retired meanwhile) leaves the cascade unservable: the fallback answers.
    const servingCascade: ServingCascade | null =
      cascade && champion && stages.every((stage) => stage !== null)
        ? {
            id: champion.id,
            stages: stages.map((model, i) => ({ model: model!, minConfidence: cascade.stages[i]!.minConfidence })),
            abstainBelow: cascade.abstainBelow,
          }
        : null;
    const route: Route = {
      taskId: task.id,
      slug: task.slug,
      archived: task.archivedAt !== null,
      labels: task.labels.map((label) => label.name),
      champion: cascade ? null : serving(champion, endpointNames),
      cascade: servingCascade,
      fallback: serving(fallback, endpointNames),
      timeoutMs: routing.timeoutMs,
      logInputs: routing.logInputs,
    };
    if ((appliedLoad.get(task.id) ?? 0) > started) return routes.get(task.id) ?? route;
    appliedLoad.set(task.id, started);
    routes.set(route.taskId, route);
    routes.set(route.slug, route);
    return route;
  };

  const loadOnce = (ref: string): Promise<Route> => {
    let pending = loading.get(ref);
    if (!pending) {
      pending = load(ref).finally(() => loading.delete(ref));
      loading.set(ref, pending);
    }
    return pending;
  };

  const reload = async (taskId: string): Promise<void> => {
    if (!routes.has(taskId)) return;
    try {
      await load(taskId);
      failedReloads.delete(taskId);
    } catch (error) {
      if (!failedReloads.has(taskId))
        deps.logger.warn(
          { err: error, taskId },
          'could not reload routing; keeping the previous one until a reload succeeds',
        );
      failedReloads.add(taskId);
      retryFailedReloads();
    }
  };

  const retryFailedReloads = () => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      for (const id of failedReloads) void reload(id);
    }, RETRY_FAILED_RELOAD_MS);
    retryTimer.unref();
  };

  const reloadAll = () => {
    const ids = new Set([...routes.values()].map((route) => route.taskId));
    for (const id of ids) void reload(id);
  };

  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    deps.notices.subscribe('routing', reload, reloadAll);
    timer = setInterval(reloadAll, deps.refreshMs);
    timer.unref();
  };

  return {
    /** The task's route: from memory, or loaded (once, however many calls wait for it). */
    get(ref: string): Route | Promise<Route> {
      start();
      return routes.get(ref) ?? loadOnce(ref);
    },
    retire,
    /** Waits until change notices are being received (a new instance's first route is current). */
    ready: () => deps.notices.ready(),
    close(): void {
      closed = true;
      if (timer) clearInterval(timer);
      if (retryTimer) clearTimeout(retryTimer);
    },
  };
}

export type RoutingTable = ReturnType<typeof routingTable>;
