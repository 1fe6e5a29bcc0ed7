import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PROMPT_FORMATS } from '../../../domain/labeling/prompt-config.js';
import { MODEL_KINDS, MODEL_STATUSES, type ModelVersionRecord } from '../../../db/schema/model-versions.js';
import type { ModelEndpointRecord } from '../../../db/schema/model-endpoints.js';
import { ENDPOINT_STATES } from '../../../db/schema/model-endpoints.js';
import type { ModelEndpointsService } from '../../../services/model-versions/model-endpoints-service.js';
import type {
  ModelVersionsService,
  ModelVersionView,
} from '../../../services/model-versions/model-versions-service.js';
import type { RoutingService } from '../../../services/routing/routing-service.js';
import type { EvaluationsService } from '../../../services/evaluations/evaluations-service.js';
import {
  authenticatedErrors,
  iso,
  isoOrNull,
  Nullable,
  NullableTimestamp,
  pageOf,
  pageQueryProperties,
  presentPage,
  ProviderConnectionName,
  Timestamp,
} from '../../schemas/common.js';
import { metricsSummary } from '../../schemas/metrics-summary.js';
import { inBody, inPath, taskInPath } from '../../task-bindings.js';

export const ModelVersion = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  kind: Type.Enum([...MODEL_KINDS]),
  provider: Type.String(),
  model: Type.String(),
  status: Type.Enum([...MODEL_STATUSES]),
  prompt: Type.Object({}, { additionalProperties: true }),
  label_codes: Nullable(Type.Record(Type.String(), Type.String())),
  artifact_bytes: Nullable(Type.Integer({ description: 'Size of a local model’s stored weights' })),
  parent_id: Nullable(Type.String()),
  trained_on_version_id: Nullable(Type.String()),
  source_fine_tune_id: Nullable(Type.String()),
  training_cost_usd: Nullable(Type.Number({ description: 'What training this model cost' })),
  lineage_training_cost_usd: Nullable(
    Type.Number({
      description:
        'training_cost_usd plus that of every model it was trained further from (parent_id chain): what the model cost to get to',
    }),
  ),
  text_operations: Type.Array(Type.Object({}, { additionalProperties: true }), {
    description: 'The clean operations its training texts went through, oldest first; classify applies them to inputs',
  }),
  prompt_format: Type.Enum([...PROMPT_FORMATS], {
    description: '`chat`, `chat_no_system` (trained and asked without the system message) or `completion` (legacy)',
  }),
  created_at: Timestamp,
  retired_at: NullableTimestamp,
  confidence_source: Type.Enum(['model', 'none'], {
    description:
      '`model`: confidences are the model’s own (token logprobs, or a local model’s scores); `none`: it gives none (its server sent no logprobs, or its connection is set `logprobs: false`), so every confidence is null',
  }),
  confidence_note: Nullable(Type.String({ description: 'Why confidences are `none`' })),
});

export const presentModelVersion = (m: ModelVersionRecord & { lineageTrainingCostUsd?: number | null }) => ({
  id: m.id,
  task_id: m.taskId,
  name: m.name,
  kind: m.kind,
  provider: m.provider,
  model: m.model,
  status: m.status,
  prompt: m.prompt,
  label_codes: m.labelCodes,
  artifact_bytes: m.artifact ? m.artifact.length : null,
  parent_id: m.parentId,
  trained_on_version_id: m.trainedOnVersionId,
  source_fine_tune_id: m.sourceFineTuneId,
  training_cost_usd: m.trainingCostUsd,
  lineage_training_cost_usd: m.lineageTrainingCostUsd !== undefined ? m.lineageTrainingCostUsd : m.trainingCostUsd,
  text_operations: m.textOperations,
  prompt_format: m.promptFormat,
  created_at: iso(m.createdAt),
  retired_at: isoOrNull(m.retiredAt),
  confidence_source: m.confidenceSource ?? ('model' as const),
  confidence_note: m.confidenceNote,
});

export const ModelEndpoint = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    state: Type.Enum([...ENDPOINT_STATES], {
      description:
        '`requested`: asked of the provider, not yet confirmed; `pending`/`starting`/`started` as the provider reports; `stopping`: to be stopped (retried until confirmed); `stopped`; `failed`: refused or never created',
    }),
    provider: Type.String(),
    provider_endpoint_id: Nullable(Type.String()),
    name: Nullable(Type.String({ description: 'The name chat requests give as the model while it is started' })),
    hardware: Type.String(),
    min_replicas: Type.Integer(),
    max_replicas: Type.Integer(),
    price_per_minute_usd: Type.Number({ description: 'USD per minute of uptime at min_replicas, from the provider' }),
    price_per_day_usd: Type.Number({ description: 'price_per_minute_usd × 1440' }),
    provider_state: Nullable(Type.String()),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
    started_at: NullableTimestamp,
    stop_requested_at: NullableTimestamp,
    stopped_at: NullableTimestamp,
    stop_reason: Nullable(Type.String()),
  },
  { description: 'A dedicated endpoint Tuneline started for the model version (billed per minute while running)' },
);

const MINUTES_PER_DAY = 24 * 60;

export const presentEndpoint = (e: ModelEndpointRecord) => ({
  id: e.id,
  state: e.state,
  provider: e.provider,
  provider_endpoint_id: e.providerEndpointId,
  name: e.endpointName,
  hardware: e.hardware,
  min_replicas: e.minReplicas,
  max_replicas: e.maxReplicas,
  price_per_minute_usd: e.pricePerMinuteUsd,
  price_per_day_usd: e.pricePerMinuteUsd * MINUTES_PER_DAY,
  provider_state: e.providerState,
  last_error: e.lastError,
  created_at: iso(e.createdAt),
  started_at: isoOrNull(e.startedAt),
  stop_requested_at: isoOrNull(e.stopRequestedAt),
  stopped_at: isoOrNull(e.stoppedAt),
  stop_reason: e.stopReason,
});

/** A model version with its dedicated endpoint (its live one, else its latest; null when it never had one). */
export const ModelVersionWithEndpoint = Type.Object({
  ...ModelVersion.properties,
  endpoint: Nullable(ModelEndpoint),
});

const presentView = (m: ModelVersionView) => ({
  ...presentModelVersion(m),
  endpoint: m.endpoint ? presentEndpoint(m.endpoint) : null,
});

const tags = ['models'];

const StartEndpointBody = Type.Object(
  {
    hardware: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'A hardware id the provider offers for the model (its hardware list, e.g. 1x_nvidia_h100_80gb_sxm)',
    }),
    min_replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, default: 1 })),
    max_replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, default: 1 })),
  },
  { additionalProperties: false },
);

const RegisterBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    kind: Type.Enum(['prompt', 'fine_tuned'], {
      description: '`prompt`: prompt-only; `fine_tuned`: a fine-tune made elsewhere (bring your own)',
    }),
    provider: ProviderConnectionName('A provider connection (`GET /v1/providers`)'),
    model: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Provider model id; default gpt-4o-mini (openai) or few-shot-tfidf (local)',
      }),
    ),
    instructions: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })),
    few_shot_examples: Type.Optional(
      Type.Array(
        Type.Object(
          { text: Type.String({ minLength: 1 }), label: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    label_codes: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ maxLength: 40 }), {
        description:
          'A legacy prompt/completion fine-tune\'s answer per label, e.g. {"positive": " 1", "negative": " nil"}: one per label, non-empty, distinct',
      }),
    ),
    text_operations: Type.Optional(
      Type.Array(Type.Object({}, { additionalProperties: true }), {
        maxItems: 20,
        description: 'The clean operations (as in dataset derive) its training texts went through; applied to inputs',
      }),
    ),
    prompt_format: Type.Optional(
      Type.Enum([...PROMPT_FORMATS], {
        description: 'How it was trained; default `completion` with label_codes, else `chat`',
      }),
    ),
    few_shot_from: Type.Optional(
      Type.Object(
        {
          dataset_version_id: Type.String({ format: 'uuid' }),
          k: Type.Integer({ minimum: 1, maximum: 100 }),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff })),
        },
        {
          additionalProperties: false,
          description: 'Draw k examples, stratified, from a version’s labeled train rows',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const LatestEvaluation = Type.Object({
  id: Type.String(),
  dataset_version_id: Type.String(),
  split: Type.String(),
  status: Type.String(),
  accuracy: Nullable(Type.Number()),
  macro_f1: Nullable(Type.Number()),
  finished_at: NullableTimestamp,
});

const ModelVersionDetail = Type.Object({
  ...ModelVersionWithEndpoint.properties,
  latest_evaluations: Type.Array(LatestEvaluation, { description: 'Newest first (up to 5)' }),
});

export const modelVersionsRoutes: FastifyPluginAsyncTypebox<{
  modelVersions: ModelVersionsService;
  routing: RoutingService;
  evaluations: EvaluationsService;
  modelEndpoints: ModelEndpointsService;
}> = async (app, { modelVersions, routing, evaluations, modelEndpoints }) => {
  const detail = async (model: ModelVersionView) => ({
    ...presentView(model),
    latest_evaluations: (await evaluations.latestFor(model.id)).map((evaluation) => {
      const summary = evaluation.metrics && metricsSummary(evaluation.metrics);
      return {
        id: evaluation.id,
        dataset_version_id: evaluation.datasetVersionId,
        split: evaluation.split,
        status: evaluation.status,
        accuracy: summary?.accuracy ?? null,
        macro_f1: summary?.macro_f1 ?? null,
        finished_at: isoOrNull(evaluation.finishedAt),
      };
    }),
  });

  app.post('/v1/tasks/:task/model-versions', {
    config: {
      access: 'write',
      idempotent: true,
      tasks: [taskInPath, inBody('few_shot_from.dataset_version_id', 'datasetVersion')],
    },
    schema: {
      tags,
      operationId: 'registerModelVersion',
      summary: 'Register a prompt-only model, or an existing fine-tuned model by id',
      params: Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) }),
      body: RegisterBody,
      response: { 201: ModelVersionWithEndpoint, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) =>
      reply.status(201).send(presentView(await modelVersions.register(request.params.task, request.body))),
  });

  app.post('/v1/model-versions/:model_version/retire', {
    config: { access: 'write', tasks: [inPath('model_version', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'retireModelVersion',
      summary: 'Take a model out of service for good (it leaves routing); idempotent',
      params: Type.Object({ model_version: Type.String({ format: 'uuid' }) }),
      body: Type.Optional(
        Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      ),
      response: { 200: ModelVersionWithEndpoint, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const model = await modelVersions.get(request.params.model_version);
      await routing.retire(
        model.id,
        request.body?.reason ?? 'retired on request',
        request.principal?.keyId ?? 'unknown',
      );
      return presentView(await modelVersions.view(model.id));
    },
  });

  app.get('/v1/tasks/:task/model-versions', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listModelVersions',
      summary: 'A task’s model versions, newest first',
      params: Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: pageOf(ModelVersionWithEndpoint), ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await modelVersions.list(request.params.task, request.query), presentView),
  });

  app.get('/v1/model-versions/:model_version', {
    config: { access: 'read', tasks: [inPath('model_version', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'getModelVersion',
      summary: 'A model version, with its latest evaluations',
      params: Type.Object({ model_version: Type.String({ format: 'uuid' }) }),
      response: { 200: ModelVersionDetail, ...authenticatedErrors(404) },
    },
    handler: async (request) => detail(await modelVersions.view(request.params.model_version)),
  });

  const ModelVersionParams = Type.Object({ model_version: Type.String({ format: 'uuid' }) });

  app.post('/v1/model-versions/:model_version/endpoint', {
    config: { access: 'write', idempotent: true, tasks: [inPath('model_version', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'startModelEndpoint',
      summary: 'Start a dedicated endpoint (billed per minute) that serves this hosted model version',
      description:
        'Only on a connection with `dedicated_endpoints` (GET /v1/providers). Classify sends the model’s requests to the endpoint once it is started; the endpoint is stopped when the model is retired or rolled back from, or on DELETE.',
      params: ModelVersionParams,
      body: StartEndpointBody,
      response: { 201: ModelEndpoint, ...authenticatedErrors(404, 409, 503) },
    },
    handler: async (request, reply) => {
      const { hardware, min_replicas: minReplicas = 1, max_replicas: maxReplicas = minReplicas } = request.body;
      const started = await modelEndpoints.start(request.params.model_version, { hardware, minReplicas, maxReplicas });
      return reply.status(201).send(presentEndpoint(started));
    },
  });

  app.get('/v1/model-versions/:model_version/endpoint', {
    config: { access: 'read', tasks: [inPath('model_version', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'getModelEndpoint',
      summary:
        'The model version’s dedicated endpoint (its running one, else its latest), as the provider reports it now',
      params: ModelVersionParams,
      response: { 200: ModelEndpoint, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentEndpoint(await modelEndpoints.get(request.params.model_version)),
  });

  app.delete('/v1/model-versions/:model_version/endpoint', {
    config: { access: 'write', tasks: [inPath('model_version', 'modelVersion')] },
    schema: {
      tags,
      operationId: 'stopModelEndpoint',
      summary: 'Stop the model version’s dedicated endpoint',
      description:
        '`state` is `stopped` once the provider confirmed, else `stopping` with `last_error`: Tuneline retries until it is stopped.',
      params: ModelVersionParams,
      response: { 200: ModelEndpoint, ...authenticatedErrors(404) },
    },
    handler: async (request) =>
      presentEndpoint(await modelEndpoints.stop(request.params.model_version, 'stopped on request')),
  });
};
