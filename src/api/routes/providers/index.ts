import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PROVIDER_NAME_PATTERN } from '../../../providers/registry.js';
import type { ModelCatalogue } from '../../../services/model-versions/model-catalogue.js';
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

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD (UTC)' });

const Catalogue = Type.Object({
  provider: Type.String(),
  table_date: Nullable(Type.String({ description: 'When the dated table of this kind was read; null: it has none' })),
  listed_at: Nullable(
    Type.String({ format: 'date-time', description: "When the provider's model list was read; null: not read" }),
  ),
  source: Type.Enum(['table', 'provider', 'both', 'none'], { description: 'What the catalogue was made from' }),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      shutdown_date: Nullable(Day),
      fine_tunes_shutdown_date: Type.Optional(Day),
      listed: Nullable(Type.Boolean({ description: "In the provider's list; null when no list was read" })),
      source: Type.Enum(['table', 'provider', 'both']),
    }),
  ),
  warnings: Type.Optional(Type.Array(Type.String())),
});

const presentCatalogue = (catalogue: ModelCatalogue) => ({
  provider: catalogue.provider,
  table_date: catalogue.tableDate,
  listed_at: catalogue.listedAt ? iso(catalogue.listedAt) : null,
  source: catalogue.source,
  data: catalogue.data.map((entry) => ({
    id: entry.id,
    shutdown_date: entry.shutdownDate,
    ...(entry.fineTunesShutdownDate ? { fine_tunes_shutdown_date: entry.fineTunesShutdownDate } : {}),
    listed: entry.listed,
    source: entry.source,
  })),
  ...(catalogue.warnings.length > 0 ? { warnings: catalogue.warnings } : {}),
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

  app.get('/v1/providers/:name/models', {
    config: { access: 'read', tasks: NO_TASK },
    schema: {
      tags: ['providers'],
      operationId: 'listProviderModels',
      summary:
        "A connection's dated model catalogue: its kind's shutdown table plus the provider's model list where its API has one",
      params: Type.Object({ name: Type.String({ pattern: PROVIDER_NAME_PATTERN }) }),
      response: { 200: Catalogue, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentCatalogue(await providers.models(request.params.name)),
  });
};
