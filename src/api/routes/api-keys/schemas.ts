import { Type, type Static } from 'typebox';
import type { ApiKeyRow } from '../../../db/schema/api-keys.js';
import type { Principal } from '../../../services/api-keys-service.js';
import { SCOPES } from '../../../domain/scopes.js';
import {
  iso,
  isoOrNull,
  Nullable,
  NullableTimestamp,
  pageOf,
  pageQueryProperties,
  Timestamp,
} from '../../schemas/common.js';

const ScopeSchema = Type.Enum([...SCOPES], {
  description:
    '`admin`: everything; `write`: create and change resources (implies `read`); `read`: read and export everything a key may see; ' +
    '`classify`: call classify and send feedback, nothing else',
});

const TaskIds = Type.Array(Type.String({ format: 'uuid' }), {
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description:
    'Limit the key to these tasks: any other task’s resources answer 404 and lists show only these. Not with `admin`.',
});

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Who or what uses the key' }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true }),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    rate_limit_per_minute: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000_000,
        description: 'Classify requests per minute; default CLASSIFY_RATE_LIMIT_PER_MINUTE',
      }),
    ),
    task_ids: Type.Optional(TaskIds),
  },
  { additionalProperties: false },
);

export const ApiKeyParams = Type.Object({ key_id: Type.String({ format: 'uuid' }) });

export const ListApiKeysQuery = Type.Object(
  { ...pageQueryProperties, include_revoked: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);

export const ApiKey = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to tell keys apart' }),
  scopes: Type.Array(ScopeSchema),
  created_at: Timestamp,
  expires_at: NullableTimestamp,
  revoked_at: NullableTimestamp,
  rate_limit_per_minute: Nullable(Type.Integer({ description: 'null: the deployment default' })),
  task_ids: Nullable(
    Type.Array(Type.String({ format: 'uuid' }), { description: 'The only tasks the key may touch; null: every task' }),
  ),
});

/** The key a request was made with, so a client (the console) can show only what it may do. */
export const CurrentKey = Type.Object({
  key_id: Type.String({ description: "The key's id, or `bootstrap` for the ADMIN_API_KEY from configuration" }),
  scopes: Type.Array(ScopeSchema),
  task_ids: Nullable(
    Type.Array(Type.String({ format: 'uuid' }), { description: 'The only tasks the key may touch; null: every task' }),
  ),
  rate_limit_per_minute: Nullable(Type.Integer({ description: 'null: the deployment default' })),
});

export function presentCurrentKey(principal: Principal): Static<typeof CurrentKey> {
  return {
    key_id: principal.keyId,
    scopes: [...principal.scopes],
    task_ids: principal.tasks ? [...principal.tasks.ids] : null,
    rate_limit_per_minute: principal.rateLimitPerMinute ?? null,
  };
}

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'The secret. Shown only in this response: store it now.' }),
});

export const ApiKeyPage = pageOf(ApiKey);

export function presentApiKey(row: ApiKeyRow): Static<typeof ApiKey> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    created_at: iso(row.createdAt),
    expires_at: isoOrNull(row.expiresAt),
    revoked_at: isoOrNull(row.revokedAt),
    rate_limit_per_minute: row.rateLimitPerMinute,
    task_ids: row.taskIds,
  };
}
