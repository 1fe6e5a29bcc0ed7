import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { MODEL_KINDS, MODEL_STATUSES, type ModelVersionRecord } from '../../../db/schema/model-versions.js';
import type { ModelVersionsService } from '../../../services/models/model-versions-service.js';
import { authenticatedErrors, iso, isoOrNull, NullableTimestamp, pageOf, pageQueryProperties, presentPage, Timestamp } from '../../schemas/common.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

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
  training_cost_usd: Nullable(Type.Number()),
  created_at: Timestamp,
  retired_at: NullableTimestamp,
});

export const presentModelVersion = (m: ModelVersionRecord) => ({
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
  created_at: iso(m.createdAt),
  retired_at: isoOrNull(m.retiredAt),
});

const tags = ['models'];

export const modelVersionsRoutes: FastifyPluginAsyncTypebox<{ models: ModelVersionsService }> = async (app, { models }) => {
  app.get('/v1/tasks/:task/model-versions', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      operationId: 'listModelVersions',
      summary: 'A task’s model versions, newest first',
      params: Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: pageOf(ModelVersion), ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await models.list(request.params.task, request.query), presentModelVersion),
  });

  app.get('/v1/model-versions/:model_version', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      operationId: 'getModelVersion',
      summary: 'A model version',
      params: Type.Object({ model_version: Type.String({ format: 'uuid' }) }),
      response: { 200: ModelVersion, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentModelVersion(await models.get(request.params.model_version)),
  });
};
