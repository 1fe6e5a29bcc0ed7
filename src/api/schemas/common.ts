import { Type, type TSchema } from 'typebox';
import { PROVIDER_NAME_PATTERN } from '../../providers/registry.js';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URN naming the problem kind: urn:tuneline:problem:<code>' }),
    title: Type.String({ description: 'HTTP status text' }),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable, machine-readable error code' }),
    detail: Type.String({ description: 'What went wrong, for people' }),
    instance: Type.String({ description: 'The request path' }),
    request_id: Type.String({ description: 'Also sent as the x-request-id header; quote it when reporting a problem' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String({ description: 'Where: body.labels[1].name, query.limit, path.task, ...' }),
          message: Type.String(),
        }),
      ),
    ),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

const problemRef = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: see `errors` for each offending field',
  401: 'Missing, unknown, revoked or expired API key',
  403: 'The API key lacks the required scope (or is limited to tasks, and the route is not about one)',
  404: 'No such resource',
  409: 'Conflicts with the current state (duplicate, archived, ...)',
  413: 'Request body too large',
  415: 'Unsupported content type',
  422: 'Well-formed but unprocessable',
  503: 'A dependency is unavailable; retry after the retry-after header',
};

/** The problem+json responses a route can give, for the OpenAPI document and serialization. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(
    [...new Set([400, 500, ...statuses])].map((status) => [
      status,
      problemRef(ERROR_DESCRIPTIONS[status] ?? 'Unexpected error; logged with the request id'),
    ]),
  );
}

export const authenticatedErrors = (...statuses: number[]) => errorResponses(401, 403, ...statuses);

/** Spread into a list route's query schema. */
export const pageQueryProperties = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size' }),
  cursor: Type.Optional(Type.String({ minLength: 1, description: '`next_cursor` from the previous page' })),
};

export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` to get the next page; null on the last page',
    }),
  });

/** A value or null (JSON Schema anyOf [schema, null]). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const iso = (date: Date): string => date.toISOString();
export const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** A service's page, shaped for the wire. */
export const presentPage = <T, R>(page: { data: T[]; nextCursor: string | null }, present: (item: T) => R) => ({
  data: page.data.map(present),
  next_cursor: page.nextCursor,
});

/** A provider connection's name (`GET /v1/providers` lists them); the service refuses one this deployment lacks. */
export const ProviderConnectionName = (description: string) =>
  Type.String({ pattern: PROVIDER_NAME_PATTERN, description });
