import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeysService } from '../../../services/api-keys-service.js';
import { authenticatedErrors, presentPage } from '../../schemas/common.js';
import { NO_TASK } from '../../task-bindings.js';
import {
  ApiKey,
  ApiKeyPage,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKey,
  CurrentKey,
  ListApiKeysQuery,
  presentApiKey,
  presentCurrentKey,
} from './schemas.js';

const tags = ['api-keys'];

export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeysService }> = async (app, { apiKeys }) => {
  app.get('/v1/me', {
    // Any valid key may ask what it is; a key limited to tasks names none here.
    config: { access: 'any_key', tasks: NO_TASK },
    schema: {
      tags,
      operationId: 'getCurrentKey',
      summary: 'The key this request was made with: its scopes and task limit',
      response: { 200: CurrentKey, ...authenticatedErrors() },
    },
    handler: async (request) => presentCurrentKey(request.principal!),
  });

  app.post('/v1/api-keys', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'createApiKey',
      summary: 'Create an API key; the secret is returned once',
      body: CreateApiKeyBody,
      response: { 201: CreatedApiKey, ...authenticatedErrors() },
      description:
        'Scopes: `admin` everything; `write` create and change (and read); `read` read and export; `classify` classify and feedback only.',
    },
    handler: async (request, reply) => {
      const { name, scopes, expires_at, rate_limit_per_minute, task_ids } = request.body;
      const created = await apiKeys.create({
        name,
        scopes,
        expiresAt: expires_at ? new Date(expires_at) : undefined,
        rateLimitPerMinute: rate_limit_per_minute,
        taskIds: task_ids,
      });
      return reply.status(201).send({ ...presentApiKey(created.record), key: created.key });
    },
  });

  app.get('/v1/api-keys', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'listApiKeys',
      summary: 'List API keys, newest first (never their secrets)',
      querystring: ListApiKeysQuery,
      response: { 200: ApiKeyPage, ...authenticatedErrors() },
    },
    handler: async (request) => {
      const { limit, cursor, include_revoked } = request.query;
      const page = await apiKeys.list({ limit, cursor, includeRevoked: include_revoked });
      return presentPage(page, presentApiKey);
    },
  });

  app.delete('/v1/api-keys/:key_id', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key; it stops working at once. Idempotent.',
      params: ApiKeyParams,
      response: { 200: ApiKey, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentApiKey(await apiKeys.revoke(request.params.key_id)),
  });
};
