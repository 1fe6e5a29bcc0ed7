import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ProviderView, ProvidersService } from '../../../services/providers-service.js';
import { NO_TASK } from '../../task-bindings.js';
import { authenticatedErrors, iso, Nullable, Timestamp } from '../../schemas/common.js';

const Provider = Type.Object({
  name: Type.String({ description: 'What `provider` fields name' }),
  kind: Type.String({ description: 'openai, azure-openai, together, openai-compatible or local' }),
  configured: Type.Boolean({ description: 'Usable here: false when the key its configuration names is not set' }),
  capabilities: Type.Object({
    runs: Type.Enum(['hosted', 'in-process']),
    classifies: Type.Boolean({ description: 'Labels texts and serves prompt-only models' }),
    fine_tunes: Type.Boolean(),
    training_kind: Nullable(Type.Enum(['fine_tuned', 'local_trained'])),
    default_model: Type.String(),
    default_base_model: Nullable(Type.String()),
    needs_key: Type.Boolean(),
    config_hint: Nullable(Type.String({ description: 'What to set to configure it (never the value)' })),
    shutdown_dates: Type.Boolean({ description: 'Announces shutdown dates, looked up before serving a model' }),
    dedicated_endpoints: Type.Boolean({
      description: 'Serves models on dedicated endpoints (billed per minute): `POST /v1/model-versions/{id}/endpoint`',
    }),
  }),
  base_url: Nullable(Type.String({ description: 'Where calls go, without credentials; null when in-process' })),
  health: Nullable(
    Type.Object(
      {
        ok: Type.Boolean(),
        checked_at: Timestamp,
        latency_ms: Type.Integer(),
        error: Type.Optional(Type.String({ description: 'What failed, as an error code' })),
      },
      { description: 'A cheap call (the model list), cached for 30 s; null when not probed (not configured)' },
    ),
  ),
});

const present = (view: ProviderView) => ({
  name: view.name,
  kind: view.kind,
  configured: view.configured,
  capabilities: {
    runs: view.capabilities.runs,
    classifies: view.capabilities.classifies,
    fine_tunes: view.capabilities.training !== null,
    training_kind: view.capabilities.training?.kind ?? null,
    default_model: view.capabilities.defaultModel,
    default_base_model: view.capabilities.training?.defaultBaseModel ?? null,
    needs_key: view.capabilities.needsKey,
    config_hint: view.capabilities.configHint,
    shutdown_dates: view.capabilities.shutdownDates,
    dedicated_endpoints: view.capabilities.dedicatedEndpoints,
  },
  base_url: view.baseUrl,
  health: view.health && {
    ok: view.health.ok,
    checked_at: iso(view.health.checkedAt),
    latency_ms: view.health.latencyMs,
    ...(view.health.error ? { error: view.health.error } : {}),
  },
});

export const providersRoutes: FastifyPluginAsyncTypebox<{ providers: ProvidersService }> = async (
  app,
  { providers },
) => {
  app.get('/v1/providers', {
    // The deployment's connections, not any task's data: keys limited to tasks may read them too.
    config: { access: 'read', tasks: NO_TASK },
    schema: {
      tags: ['providers'],
      operationId: 'listProviders',
      summary: 'The provider connections of this deployment: kind, capabilities, whether configured, health',
      response: { 200: Type.Object({ data: Type.Array(Provider) }), ...authenticatedErrors() },
    },
    handler: async () => ({ data: (await providers.list()).map(present) }),
  });
};
