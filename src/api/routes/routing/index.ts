import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RoutingEventRecord, TaskRoutingRecord } from '../../../db/schema/routing.js';
import { ON_SHUTDOWN_MAX_DAYS } from '../../../domain/routing/on-shutdown.js';
import { RANKING_METRICS } from '../../../domain/routing/promotion-policy.js';
import type { RoutingService } from '../../../services/routing/routing-service.js';
import type { RoutingModeService, RoutingWithMode } from '../../../services/routing/routing-mode-service.js';
import {
  authenticatedErrors,
  iso,
  Nullable,
  pageOf,
  pageQueryProperties,
  presentPage,
  Timestamp,
} from '../../schemas/common.js';
import { inBody, taskInPath } from '../../task-bindings.js';

const TaskParams = Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) });
const tags = ['routing'];

const OnShutdown = Type.Object(
  {
    retrain_with: Type.Object(
      {
        provider: Type.String({
          minLength: 1,
          maxLength: 40,
          description: 'A connection that trains (GET /v1/providers)',
        }),
        base_model: Type.String({ minLength: 1, maxLength: 200 }),
      },
      { additionalProperties: false },
    ),
    days_before: Type.Integer({
      minimum: 1,
      maximum: ON_SHUTDOWN_MAX_DAYS,
      description: 'How many days before the champion’s model shuts down its retrain starts',
    }),
  },
  {
    additionalProperties: false,
    description:
      'When the champion’s model (a fine-tune: its base) is this close to its shutdown date, one pipeline retrains on the named connection and the promotion policy decides; null: never',
  },
);

const Routing = Type.Object({
  task_id: Type.String({ format: 'uuid' }),
  champion_id: Nullable(Type.String()),
  fallback_id: Nullable(Type.String()),
  policy: Type.Object({
    metric: Type.Enum([...RANKING_METRICS]),
    min_improvement: Type.Number(),
    min_test_size: Type.Integer(),
    auto_promote: Type.Boolean(),
    max_failure_rate: Type.Number({
      description: 'Most share of a challenger’s predictions that may have failed, named no label or an unknown one',
    }),
    max_p_value: Nullable(
      Type.Number({
        description: 'When set, an exact McNemar test against the compared model must give p ≤ this; null: off',
      }),
    ),
    on_shutdown: Nullable(OnShutdown),
  }),
  serving: Type.Object({
    timeout_ms: Type.Integer({ description: 'How long classify waits for the champion, then for the fallback' }),
    log_inputs: Type.Boolean({ description: 'Whether the prediction log keeps input texts (hashes are always kept)' }),
  }),
  mode: Type.Enum(['champion', 'cascade'], {
    description: 'cascade: the champion is a cascade (champion_id is its model version)',
  }),
  cascade: Nullable(
    Type.Object({
      stages: Type.Array(
        Type.Object({
          model_version_id: Type.String({ format: 'uuid' }),
          min_confidence: Nullable(
            Type.Number({ description: 'The stage answers at or above this confidence; null for the last stage' }),
          ),
        }),
      ),
      abstain_below: Nullable(
        Type.Number({ description: 'Below this confidence of the last stage classify answers label null, abstained' }),
      ),
    }),
  ),
  updated_at: Timestamp,
});

const CascadeStageBody = Type.Object(
  {
    model_version_id: Type.String({ format: 'uuid' }),
    min_confidence: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 0,
          maximum: 1,
          description: 'Every stage but the last: it answers when its confidence is at least this',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

const RoutingEvent = Type.Object({
  id: Type.String(),
  action: Type.String({
    description:
      'promote, auto_promote, no_promotion, rollback, set_fallback, update_policy, retire, retrain_requested (on_shutdown)',
  }),
  from_model_id: Nullable(Type.String()),
  to_model_id: Nullable(Type.String()),
  reason: Type.String(),
  numbers: Nullable(Type.Object({}, { additionalProperties: true })),
  actor: Type.String(),
  created_at: Timestamp,
});

const present = ({ routing, mode, cascade }: RoutingWithMode) => ({
  ...presentRouting(routing),
  mode,
  cascade: cascade && {
    stages: cascade.stages.map((stage) => ({
      model_version_id: stage.modelVersionId,
      min_confidence: stage.minConfidence,
    })),
    abstain_below: cascade.abstainBelow,
  },
});

const presentRouting = (routing: TaskRoutingRecord) => ({
  task_id: routing.taskId,
  champion_id: routing.championId,
  fallback_id: routing.fallbackId,
  policy: {
    metric: routing.metric,
    min_improvement: routing.minImprovement,
    min_test_size: routing.minTestSize,
    auto_promote: routing.autoPromote,
    max_failure_rate: routing.maxFailureRate,
    max_p_value: routing.maxPValue,
    on_shutdown: routing.onShutdown && {
      retrain_with: {
        provider: routing.onShutdown.retrainWith.provider,
        base_model: routing.onShutdown.retrainWith.baseModel,
      },
      days_before: routing.onShutdown.daysBefore,
    },
  },
  serving: { timeout_ms: routing.timeoutMs, log_inputs: routing.logInputs },
  updated_at: iso(routing.updatedAt),
});

const presentEvent = (event: RoutingEventRecord) => ({
  id: event.id,
  action: event.action,
  from_model_id: event.fromModelId,
  to_model_id: event.toModelId,
  reason: event.reason,
  numbers: event.numbers,
  actor: event.actor,
  created_at: iso(event.createdAt),
});

export const routingRoutes: FastifyPluginAsyncTypebox<{
  routing: RoutingService;
  routingMode: RoutingModeService;
}> = async (app, { routing, routingMode }) => {
  const actor = (request: { principal: { keyId: string } | null }) => request.principal?.keyId ?? 'unknown';
  const shown = async (changed: Promise<TaskRoutingRecord>) => present(await routingMode.withMode(await changed));

  app.get('/v1/tasks/:task/routing', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'getRouting',
      summary: 'Champion, fallback and promotion policy',
      params: TaskParams,
      response: { 200: Routing, ...authenticatedErrors(404) },
    },
    handler: async (request) => present(await routingMode.get(request.params.task)),
  });

  app.patch('/v1/tasks/:task/routing', {
    config: { access: 'write', tasks: [taskInPath, inBody('fallback_model_version_id', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'updateRouting',
      summary:
        'Change the promotion policy, the on_shutdown retrain, the classify budget, input logging, the fallback model or the routing mode (a cascade)',
      params: TaskParams,
      body: Type.Object(
        {
          metric: Type.Optional(Type.Enum([...RANKING_METRICS])),
          min_improvement: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          min_test_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
          auto_promote: Type.Optional(Type.Boolean()),
          max_failure_rate: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1,
              description: 'Share of failed or unparseable predictions a challenger may have',
            }),
          ),
          max_p_value: Type.Optional(
            Nullable(
              Type.Number({
                exclusiveMinimum: 0,
                maximum: 1,
                description:
                  'McNemar p-value a challenger must reach against the compared model; null turns the test off',
              }),
            ),
          ),
          timeout_ms: Type.Optional(
            Type.Integer({ minimum: 10, maximum: 120_000, description: 'Classify budget per model call' }),
          ),
          log_inputs: Type.Optional(Type.Boolean({ description: 'false: the prediction log keeps only input hashes' })),
          fallback_model_version_id: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
          on_shutdown: Type.Optional(Nullable(OnShutdown)),
          mode: Type.Optional(
            Type.Enum(['champion', 'cascade'], {
              description:
                'cascade: serve the stages in `cascade` (it becomes the champion, audited as a promotion); champion: back to the single champion it replaced',
            }),
          ),
          cascade: Type.Optional(
            Type.Array(CascadeStageBody, {
              minItems: 1,
              maxItems: 8,
              description: 'With mode cascade: the stages in order, the cheapest first',
            }),
          ),
          abstain_below: Type.Optional(
            Nullable(
              Type.Number({
                minimum: 0,
                maximum: 1,
                description:
                  'With mode cascade: below this confidence of the last stage, answer label null (abstained)',
              }),
            ),
          ),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
      response: { 200: Routing, ...authenticatedErrors(404, 409) },
    },
    handler: async (request) => present(await routingMode.update(request.params.task, request.body, actor(request))),
  });

  app.post('/v1/tasks/:task/routing/promote', {
    config: { access: 'write', tasks: [taskInPath, inBody('model_version_id', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'promoteModel',
      summary: 'Make a model version champion by hand',
      params: TaskParams,
      body: Type.Object(
        {
          model_version_id: Type.String({ format: 'uuid' }),
          reason: Type.String({ minLength: 1, maxLength: 500, default: 'promoted by hand' }),
        },
        { additionalProperties: false },
      ),
      response: { 200: Routing, ...authenticatedErrors(404, 409) },
    },
    handler: async (request) =>
      shown(routing.promote(request.params.task, request.body.model_version_id, request.body.reason, actor(request))),
  });

  app.post('/v1/tasks/:task/routing/rollback', {
    config: { access: 'write', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'rollbackChampion',
      summary: 'Put back the champion the latest promotion replaced',
      params: TaskParams,
      body: Type.Optional(
        Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      ),
      response: { 200: Routing, ...authenticatedErrors(404, 409) },
    },
    handler: async (request) =>
      shown(routing.rollback(request.params.task, request.body?.reason ?? 'rolled back by hand', actor(request))),
  });

  app.get('/v1/tasks/:task/routing/history', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listRoutingHistory',
      summary: 'Every promotion, rollback, policy change and retirement, newest first, with reasons and numbers',
      params: TaskParams,
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: pageOf(RoutingEvent), ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await routing.history(request.params.task, request.query), presentEvent),
  });
};
