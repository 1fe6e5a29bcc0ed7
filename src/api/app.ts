import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { IdempotencyStore } from '../lib/idempotency-store.js';
import type { ApiKeysService } from '../services/api-keys-service.js';
import type { ClassifyService } from '../services/classify/classify-service.js';
import type { CostProjectionsService } from '../services/cost-projections/cost-projections-service.js';
import type { ReviewQueueService } from '../services/datasets/review-queue-service.js';
import type { DatasetExportService } from '../services/datasets/dataset-export.js';
import type { DatasetsService } from '../services/datasets/datasets-service.js';
import type { EvaluationsService } from '../services/evaluations/evaluations-service.js';
import type { LeaderboardService } from '../services/evaluations/leaderboard.js';
import type { HealthService } from '../services/health-service.js';
import type { MaintenanceService } from '../services/maintenance-service.js';
import type { LabelRunsService } from '../services/label-runs/label-runs-service.js';
import type { ModelVersionsService } from '../services/model-versions/model-versions-service.js';
import type { PipelinesService } from '../services/pipelines/pipelines-service.js';
import type { ProvidersService } from '../services/providers-service.js';
import type { MonitoringService } from '../services/predictions/monitoring-service.js';
import type { PredictionsService } from '../services/predictions/predictions-service.js';
import type { RoutingService } from '../services/routing/routing-service.js';
import type { CascadePlansService } from '../services/routing/cascade-plans-service.js';
import type { TaskOwners } from '../services/task-owners.js';
import type { TasksService } from '../services/tasks-service.js';
import type { FineTunesService } from '../services/fine-tunes/fine-tunes-service.js';
import type { Queues } from '../queues/queue-registry.js';
import { installAuth } from './plugins/auth.js';
import { installConsole } from './plugins/console.js';
import { installDocs } from './plugins/docs.js';
import { installHttpMetrics } from './plugins/metrics.js';
import { installIdempotency } from './plugins/idempotency.js';
import { installQueueMetrics } from '../queues/queue-metrics.js';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors.js';
import { installProblemDetails } from './plugins/problem-details.js';
import { installQueueBoard } from './plugins/queue-board.js';
import { installStorableText } from './plugins/storable-text.js';
import { installValidators } from './plugins/validation.js';
import { apiKeysRoutes } from './routes/api-keys/index.js';
import { datasetsRoutes } from './routes/datasets/index.js';
import { labelRunsRoutes } from './routes/label-runs/index.js';
import { eventStreams } from './sse.js';
import { fineTunesRoutes } from './routes/fine-tunes/index.js';
import { modelVersionsRoutes } from './routes/model-versions/index.js';
import type { ModelEndpointsService } from '../services/model-versions/model-endpoints-service.js';
import { evaluationsRoutes } from './routes/evaluations/index.js';
import { routingRoutes } from './routes/routing/index.js';
import { cascadePlansRoutes } from './routes/cascade-plans/index.js';
import type { RoutingModeService } from '../services/routing/routing-mode-service.js';
import { healthRoutes } from './routes/health/index.js';
import { maintenanceRoutes } from './routes/maintenance/index.js';
import { tasksRoutes } from './routes/tasks/index.js';
import { classifyRoutes } from './routes/classify/index.js';
import { predictionsRoutes } from './routes/predictions/index.js';
import { installRateLimit } from './plugins/rate-limit.js';
import { pipelinesRoutes } from './routes/pipelines/index.js';
import { costProjectionsRoutes } from './routes/cost-projections/index.js';
import { providersRoutes } from './routes/providers/index.js';

/** The services the HTTP app calls; the composition root (src/start) builds them. */
export interface AppServices {
  apiKeys: ApiKeysService;
  taskOwners: TaskOwners;
  idempotency: IdempotencyStore;
  health: HealthService;
  tasks: TasksService;
  datasets: DatasetsService;
  datasetExports: DatasetExportService;
  reviewQueue: ReviewQueueService;
  labelRuns: LabelRunsService;
  fineTunes: FineTunesService;
  modelVersions: ModelVersionsService;
  modelEndpoints: ModelEndpointsService;
  routing: RoutingService;
  cascadePlans: CascadePlansService;
  routingMode: RoutingModeService;
  evaluations: EvaluationsService;
  leaderboard: LeaderboardService;
  classify: ClassifyService;
  pipelines: PipelinesService;
  costProjections: CostProjectionsService;
  predictions: PredictionsService;
  monitoring: MonitoringService;
  maintenance: MaintenanceService;
  providers: ProvidersService;
}

export interface AppDeps {
  config: Config;
  logger: Logger;
  services: AppServices;
  queues: Queues;
  metrics: Registry;
}

/** How often an event stream reads its resource. */
const STREAM_INTERVAL_MS = 1_000;

// A caller's request id is kept if it looks like one, so logs can be followed across services.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the HTTP app without listening: the server, the tests and the OpenAPI export all use it. */
export async function buildApp({ config, logger, services, queues, metrics }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    // Aborted requests still run to completion; shutdown waits for them rather than cutting them off.
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidators(app);
  installProblemDetails(app);
  installHttpMetrics(app, metrics);
  installQueueMetrics(metrics, queues);
  installAuth(app, services.apiKeys, services.taskOwners);
  installIdempotency(app, services.idempotency);
  allowEmptyJsonBodies(app);
  installStorableText(app);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Node closes idle keep-alive connections once, when closing starts; a connection busy then
    // would otherwise stay open after its response until the keep-alive timeout, holding up exit.
    if (closing) reply.header('connection', 'close');
  });

  await installDocs(app);
  await installQueueBoard(app, queues);
  await installConsole(app, config.consoleDir);
  await installRateLimit(app, config);
  await app.register(healthRoutes, { health: services.health, metrics });
  await app.register(tasksRoutes, { tasks: services.tasks });
  await app.register(datasetsRoutes, {
    datasets: services.datasets,
    exports: services.datasetExports,
    reviewQueue: services.reviewQueue,
    importMaxBytes: config.importMaxBytes,
  });
  // One event-stream mechanism for everything that runs in the background.
  const streams = eventStreams(app, {
    intervalMs: STREAM_INTERVAL_MS,
    heartbeatMs: config.sseHeartbeatMs,
    maxDurationMs: config.sseMaxDurationMs,
    registry: metrics,
  });
  await app.register(labelRunsRoutes, { labelRuns: services.labelRuns, streams });
  await app.register(fineTunesRoutes, { fineTunes: services.fineTunes, streams });
  await app.register(modelVersionsRoutes, {
    modelVersions: services.modelVersions,
    routing: services.routing,
    evaluations: services.evaluations,
    modelEndpoints: services.modelEndpoints,
  });
  await app.register(evaluationsRoutes, {
    evaluations: services.evaluations,
    leaderboard: services.leaderboard,
    streams,
  });
  await app.register(routingRoutes, { routing: services.routing, routingMode: services.routingMode });
  await app.register(cascadePlansRoutes, { cascadePlans: services.cascadePlans });
  await app.register(classifyRoutes, {
    classify: services.classify,
    maxBatch: config.classify.maxBatch,
    maxTextChars: config.maxTextChars,
  });
  await app.register(pipelinesRoutes, { pipelines: services.pipelines, streams });
  await app.register(costProjectionsRoutes, { costProjections: services.costProjections });
  await app.register(predictionsRoutes, { predictions: services.predictions, monitoring: services.monitoring });
  await app.register(apiKeysRoutes, { apiKeys: services.apiKeys });
  await app.register(providersRoutes, { providers: services.providers });
  await app.register(maintenanceRoutes, { maintenance: services.maintenance });
  return app;
}

/**
 * Action routes (archive, restore, purge) take no body, but many clients still send
 * `content-type: application/json` with nothing after it. Treat that as "no body" instead of a 400.
 */
function allowEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
}
