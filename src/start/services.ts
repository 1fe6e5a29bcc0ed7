import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { predictionLogRepository } from '../db/repositories/prediction-log-repository.js';
import { predictionsRepository } from '../db/repositories/predictions-repository.js';
import { changeNotices } from '../lib/change-notices.js';
import { classifyService } from '../services/classify/classify-service.js';
import { idempotencyStore } from '../lib/idempotency-store.js';
import { modelBreakers } from '../services/classify/model-breakers.js';
import { routingTable } from '../services/classify/routing-table.js';
import { monitoringService } from '../services/predictions/monitoring-service.js';
import { predictionLog } from '../services/predictions/prediction-log.js';
import { predictionsService } from '../services/predictions/predictions-service.js';
import { pipelinesRepository } from '../db/repositories/pipelines-repository.js';
import { pipelineSteps } from '../services/pipelines/pipeline-steps.js';
import { pipelinesService } from '../services/pipelines/pipelines-service.js';
import { pipelineWake } from '../services/pipelines/pipeline-wake.js';
import { costProjectionsService } from '../services/cost-projections/cost-projections-service.js';
import { cascadeOptions } from '../services/cost-projections/cascade-option.js';
import { modelCallMeasures } from '../services/cost-projections/model-call-measures.js';
import { cascadeStageCountsRepository } from '../db/repositories/cascade-stage-counts-repository.js';
import { cascadeMonitoring } from '../services/predictions/cascade-monitoring.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { apiKeysRepository } from '../db/repositories/api-keys-repository.js';
import { tasksRepository } from '../db/repositories/tasks-repository.js';
import type { Queues } from '../queues/queue-registry.js';
import { apiKeysService } from '../services/api-keys-service.js';
import { healthService } from '../services/health-service.js';
import { maintenanceService } from '../services/maintenance-service.js';
import { providersService } from '../services/providers-service.js';
import { tasksService } from '../services/tasks-service.js';
import { datasetRowsRepository } from '../db/repositories/dataset-rows-repository.js';
import { datasetVersionsRepository } from '../db/repositories/dataset-versions-repository.js';
import { datasetsRepository } from '../db/repositories/datasets-repository.js';
import { routingModeService } from '../services/routing/routing-mode-service.js';
import { reviewQueueService } from '../services/datasets/review-queue-service.js';
import { datasetExportService } from '../services/datasets/dataset-export.js';
import { datasetsService } from '../services/datasets/datasets-service.js';
import { labelRunsRepository } from '../db/repositories/label-runs-repository.js';
import { createProviderRateLimiter } from '../lib/provider-rate-limiter.js';
import { createProviders } from '../providers/registry.js';
import { labelChunkRunner } from '../services/label-runs/label-chunk-runner.js';
import { providerCalls } from '../services/inference/provider-calls.js';
import { providerMetrics } from '../services/inference/provider-metrics.js';
import { labelRunFinalizer } from '../services/label-runs/label-run-finalizer.js';
import { labelRunsService } from '../services/label-runs/label-runs-service.js';
import { fineTunesRepository } from '../db/repositories/fine-tunes-repository.js';
import { modelVersionsRepository } from '../db/repositories/model-versions-repository.js';
import { modelEndpointsRepository } from '../db/repositories/model-endpoints-repository.js';
import { modelEndpointsService } from '../services/model-versions/model-endpoints-service.js';
import { fineTunesService } from '../services/fine-tunes/fine-tunes-service.js';
import { hostedTraining } from '../services/fine-tunes/hosted-training.js';
import { localTraining } from '../services/fine-tunes/local-training.js';
import { autoEvaluation } from '../services/fine-tunes/auto-evaluation.js';
import { modelRegistrar } from '../services/fine-tunes/model-registrar.js';
import { trainingRunner } from '../services/fine-tunes/training-runner.js';
import { modelVersionsService } from '../services/model-versions/model-versions-service.js';
import { cascadeVersions } from '../services/model-versions/cascade-versions.js';
import { evaluationsRepository } from '../db/repositories/evaluations-repository.js';
import { routingRepository } from '../db/repositories/routing-repository.js';
import { evaluationChunkRunner } from '../services/evaluations/evaluation-chunk-runner.js';
import { evaluationFinalizer } from '../services/evaluations/evaluation-finalizer.js';
import { evaluationsService } from '../services/evaluations/evaluations-service.js';
import { modelClassifiers } from '../services/model-versions/model-classifiers.js';
import { modelShutdowns } from '../services/model-versions/model-shutdowns.js';
import { modelCatalogue } from '../services/model-versions/model-catalogue.js';
import { shutDownModels } from '../services/model-versions/shut-down-models.js';
import { routingService } from '../services/routing/routing-service.js';
import { shutdownRetrains } from '../services/routing/shutdown-retrains.js';
import { leaderboardService } from '../services/evaluations/leaderboard.js';
import { cascadeEvaluations } from '../services/evaluations/cascade-evaluations.js';
import { stageEvaluations } from '../services/evaluations/stage-evaluations.js';
import { cascadePlansRepository } from '../db/repositories/cascade-plans-repository.js';
import { cascadePlansService } from '../services/routing/cascade-plans-service.js';
import { taskOwners } from '../services/task-owners.js';

export interface ServiceDeps {
  config: Config;
  db: Database;
  pool: pg.Pool;
  redis: Redis;
  queues: Queues;
  logger: Logger;
  metrics: Registry;
}

/** Wires repositories into services; both entry points (and the tests) build their services here. */
export function createServices({ config, db, pool, redis, queues, logger, metrics }: ServiceDeps) {
  const notices = changeNotices({ redis, prefix: config.queuePrefix, logger });
  const providers = createProviders(config);
  // One catalogue per process: its cached model lists serve every service that asks.
  const catalogue = modelCatalogue({ providers });
  const shutDown = shutDownModels(catalogue);
  const apiKeysRepo = apiKeysRepository(db);
  const datasetsRepo = datasetsRepository(db);
  const datasetVersionsRepo = datasetVersionsRepository(db);
  const datasetRowsRepo = datasetRowsRepository(db);
  const labelRunsRepo = labelRunsRepository(db);
  const fineTunesRepo = fineTunesRepository(db);
  const modelVersionsRepo = modelVersionsRepository(db);
  const evaluationsRepo = evaluationsRepository(db);
  const routingRepo = routingRepository(db);
  const pipelinesRepo = pipelinesRepository(db);
  const predictionsRepo = predictionsRepository(db);
  const cascadePlansRepo = cascadePlansRepository(db);

  const tasks = tasksService({ tasksRepo: tasksRepository(db), notices });
  const datasets = datasetsService({
    db,
    tasks,
    datasetsRepo,
    datasetVersionsRepo,
    datasetRowsRepo,
    limits: { maxTextChars: config.maxTextChars, importMaxBytes: config.importMaxBytes },
  });
  const wake = pipelineWake({ pipelinesRepo, queues, logger });
  const labelRunFinalizing = labelRunFinalizer({ db, labelRunsRepo, datasets, wake });
  const providerMetering = providerMetrics(metrics);
  const calls = providerCalls({
    limiter: createProviderRateLimiter({ redis, prefix: config.queuePrefix }),
    priceOverrides: config.priceOverrides,
    metrics: providerMetering,
  });
  const modelEndpoints = modelEndpointsService({
    modelEndpointsRepo: modelEndpointsRepository(db),
    modelVersionsRepo,
    providers,
    notices,
    logger,
  });
  const routing = routingService({
    db,
    routingRepo,
    evaluationsRepo,
    modelVersionsRepo,
    tasks,
    notices,
    endpoints: modelEndpoints,
    logger,
    providers,
    pipelinesRepo,
  });
  const modelVersions = modelVersionsService({
    modelVersionsRepo,
    tasks,
    datasetRowsRepo,
    providers,
    routing,
    endpoints: modelEndpoints,
    shutDown,
  });
  const cascades = cascadeVersions({ db, modelVersionsRepo });
  const routingMode = routingModeService({ routing, cascades, modelVersionsRepo, routingRepo, tasks });
  const classifiers = modelClassifiers(providers, modelVersionsRepo);
  const shutdowns = modelShutdowns(providers);
  const predictionLogWriter = predictionLog({
    predictionLogRepo: predictionLogRepository(pool),
    logger,
    metrics,
    settings: config.classify.predictionLog,
  });
  const breakers = modelBreakers(config.classify.circuit, metrics);
  const table = routingTable({
    tasks,
    routingRepo,
    routing,
    modelVersionsRepo,
    classifiers,
    endpoints: modelEndpoints,
    shutdowns,
    notices,
    logger,
    metrics,
    refreshMs: config.classify.routingRefreshMs,
  });
  const finalizer = evaluationFinalizer({ evaluationsRepo, modelVersionsRepo, tasks, routing, wake });
  const stages = stageEvaluations({ evaluationsRepo });
  const evaluations = evaluationsService({
    evaluationsRepo,
    datasetRowsRepo,
    datasets,
    modelVersions,
    queues,
    tasks,
    wake,
    shutDown,
    cascades: cascadeEvaluations({ db, evaluationsRepo, stages, finalizer }),
  });
  const registrar = modelRegistrar({ modelVersionsRepo, tasks, datasets, providers });
  const trainedModelEvaluation = autoEvaluation({ fineTunesRepo, evaluations, evaluationsRepo, wake });
  const labelRuns = labelRunsService({
    db,
    labelRunsRepo,
    datasetRowsRepo,
    datasets,
    tasks,
    queues,
    providers,
    wake,
    shutDown,
  });
  const predictions = predictionsService({
    predictionsRepo,
    tasks,
    datasets,
    flushMs: config.classify.predictionLog.flushMs,
  });
  const fineTunes = fineTunesService({
    fineTunesRepo,
    modelVersionsRepo,
    datasetRowsRepo,
    datasets,
    tasks,
    queues,
    providers,
    priceOverrides: config.priceOverrides,
    autoEvaluation: trainedModelEvaluation,
    wake,
    shutDown,
  });
  const pipelines = pipelinesService({
    db,
    pipelinesRepo,
    routingRepo,
    modelVersionsRepo,
    tasks,
    datasets,
    providers,
    queues,
    steps: (saveOutputs) =>
      pipelineSteps({
        datasets,
        labelRuns,
        labelRunsRepo,
        fineTunes,
        fineTunesRepo,
        evaluations,
        evaluationsRepo,
        modelVersions,
        routing,
        routingRepo,
        safetyNetPollMs: config.pipelineWaitPollMs,
        saveOutputs,
      }),
  });
  // Cost projections and monitoring price a model version the same way.
  const callMeasures = modelCallMeasures({ endpoints: modelEndpoints, evaluationsRepo, providers });
  const stageCounts = cascadeStageCountsRepository(db);
  return {
    cascades,
    routingMode,
    costProjections: costProjectionsService({
      modelVersionsRepo,
      measures: callMeasures,
      cascades: cascadeOptions({
        modelVersionsRepo,
        evaluationsRepo,
        stageCounts,
        measures: callMeasures,
        priceOverrides: config.priceOverrides,
      }),
      priceOverrides: config.priceOverrides,
    }),
    pipelines,
    shutdownRetrains: shutdownRetrains({
      routingRepo,
      modelVersionsRepo,
      datasetsRepo,
      datasetVersionsRepo,
      pipelinesRepo,
      pipelines,
      catalogue,
      logger,
    }),
    modelVersions,
    modelEndpoints,
    routing,
    leaderboard: leaderboardService({ evaluationsRepo, modelVersionsRepo, routingRepo, tasks }),
    cascadePlans: cascadePlansService({
      db,
      cascadePlansRepo,
      modelVersionsRepo,
      routingRepo,
      tasks,
      datasets,
      stages,
      cascades,
      evaluations,
      routing,
    }),
    evaluations,
    evaluationChunks: evaluationChunkRunner({
      evaluationsRepo,
      modelVersionsRepo,
      datasetRowsRepo,
      classifiers,
      endpoints: modelEndpoints,
      calls,
      finalizer,
      routing,
      shutdowns,
      wake,
      providers,
    }),
    classify: classifyService({ table, breakers, log: predictionLogWriter, metrics }),
    /** Idempotency-Key records, shared by every API instance (see src/api/plugins/idempotency.ts). */
    idempotency: idempotencyStore(redis, config.queuePrefix),
    predictions,
    taskOwners: taskOwners({
      datasetsRepo,
      datasetVersionsRepo,
      labelRunsRepo,
      fineTunesRepo,
      modelVersionsRepo,
      evaluationsRepo,
      pipelinesRepo,
      cascadePlansRepo,
      predictions,
    }),
    monitoring: monitoringService({
      predictionsRepo,
      tasks,
      routingRepo,
      modelVersionsRepo,
      datasets,
      cascades: cascadeMonitoring({
        stageCounts,
        modelVersionsRepo,
        measures: callMeasures,
        priceOverrides: config.priceOverrides,
      }),
    }),
    /** What classify keeps running in the background, stopped after the last request is answered. */
    serving: {
      /** Waits until this process hears routing changes (so its first routes stay current). */
      ready: () => table.ready(),
      /** `withinMs` bounds the prediction log's last writes; what is left then is spilled to a file. */
      async close(withinMs: number) {
        await predictionLogWriter.close(withinMs);
        table.close();
        breakers.shutdown();
        await notices.close();
      },
    },
    fineTunes,
    trainingRunner: trainingRunner({
      fineTunesRepo,
      providers,
      wake,
      hosted: hostedTraining({
        fineTunesRepo,
        datasetRowsRepo,
        modelVersionsRepo,
        datasets,
        tasks,
        queues,
        providers,
        registrar,
        autoEvaluation: trainedModelEvaluation,
        wake,
        timing: { initialMs: config.fineTunePollMs, maxMs: config.fineTunePollMaxMs },
        fileProcessingTimeoutMs: config.fileProcessingTimeoutMs,
        priceOverrides: config.priceOverrides,
        metrics: providerMetering,
      }),
      local: localTraining({
        fineTunesRepo,
        datasetRowsRepo,
        tasks,
        registrar,
        autoEvaluation: trainedModelEvaluation,
        wake,
      }),
    }),

    tasks,
    datasets,
    labelRuns,
    labelChunks: labelChunkRunner({
      labelRunsRepo,
      datasetRowsRepo,
      providers,
      calls,
      finalizer: labelRunFinalizing,
      wake,
    }),
    datasetExports: datasetExportService({ datasets, tasks, datasetRowsRepo }),
    reviewQueue: reviewQueueService({ datasets, datasetRowsRepo, labelRunsRepo }),
    apiKeys: apiKeysService({ apiKeysRepo, adminApiKey: config.adminApiKey, notices }),
    maintenance: maintenanceService({
      apiKeysRepo,
      queues,
      revokedKeyRetentionDays: config.revokedKeyRetentionDays,
    }),
    health: healthService({ pool, redis, predictionLog: predictionLogWriter }),
    providers: providersService({ providers, catalogue }),
  };
}

export type Services = ReturnType<typeof createServices>;
