/**
 * The one error model. Services throw `AppError`s built from the catalogue below; the API's
 * error handler renders them as `application/problem+json`. Codes are part of the public contract:
 * clients branch on them, so never rename one.
 */

/**
 * Every code the API answers with, its HTTP status and what it means: the one list. The builders
 * in `errors` take their status from here, and the README's table of codes is checked against it
 * (errors.test.ts). The summary documents the code; a response's `title` stays the status's
 * HTTP reason phrase.
 */
export const ERROR_CATALOGUE = {
  validation_failed: {
    status: 400,
    summary: 'The request does not match its schema, or cannot run as asked; `errors[]` names every field.',
  },
  invalid_text: { status: 400, summary: 'Text Postgres cannot store: U+0000 or an unpaired UTF-16 surrogate.' },
  invalid_cursor: { status: 400, summary: 'A page cursor this API did not return.' },
  bad_request: {
    status: 400,
    summary:
      'A URL that cannot be decoded, malformed HTTP, or another request the framework refuses (with its 4xx status).',
  },
  malformed_json: { status: 400, summary: 'The body is not valid JSON.' },
  empty_body: { status: 400, summary: 'A JSON content type with an empty body.' },
  invalid_content_length: { status: 400, summary: 'A Content-Length that does not match the body.' },
  provider_not_configured: { status: 400, summary: 'The provider has no API key in this deployment.' },
  unknown_provider: {
    status: 400,
    summary: 'No provider connection of that name in this deployment (`GET /v1/providers`).',
  },
  model_shut_down: { status: 400, summary: 'The model is past its shutdown date.' },
  preflight_failed: {
    status: 400,
    summary:
      'The data (or the provider, for the base model and hyperparameters) rules the fine-tune out; `details.problems` says why.',
  },
  nothing_to_label: { status: 400, summary: 'No row of the version needs labeling.' },
  invalid_file: {
    status: 400,
    summary: 'An upload with invalid lines, a malformed multipart body, binary content or bad compression.',
  },
  empty_file: { status: 400, summary: 'An upload without content.' },
  empty_dataset: { status: 400, summary: 'An upload without one importable row.' },
  unknown_format: { status: 400, summary: 'The upload format cannot be told from its first line; pass `format`.' },
  unauthenticated: { status: 401, summary: 'No valid API key.' },
  forbidden: { status: 403, summary: 'The API key lacks the scope.' },
  limited_to_tasks: {
    status: 403,
    summary: 'The API key is limited to some tasks, and the route is not about one of them.',
  },
  not_found: { status: 404, summary: 'No such resource (or a referenced one does not exist).' },
  route_not_found: { status: 404, summary: 'No such route.' },
  request_timeout: { status: 408, summary: 'The request was not received in time.' },
  conflict: {
    status: 409,
    summary: 'A resource with the same unique value exists, or the change conflicts with the current state.',
  },
  archived: { status: 409, summary: 'The resource is archived; restore it first.' },
  not_failed: { status: 409, summary: 'A retry of something that has not failed.' },
  pipeline_not_failed: { status: 409, summary: 'A retry of a pipeline that has not failed.' },
  model_retired: { status: 409, summary: 'The model version is retired.' },
  nothing_to_roll_back: { status: 409, summary: 'No promotion replaced an earlier champion.' },
  not_ready: { status: 409, summary: 'The result exists once the work has completed.' },
  no_model_routed: { status: 409, summary: 'The task has neither a champion nor a fallback.' },
  idempotency_key_in_flight: { status: 409, summary: 'A request with this Idempotency-Key is still being processed.' },
  payload_too_large: { status: 413, summary: 'The body or upload is over its limit.' },
  uri_too_long: { status: 414, summary: 'The request URL is too long.' },
  unsupported_media_type: { status: 415, summary: 'A content type or content encoding the route does not take.' },
  idempotency_key_reused: { status: 422, summary: 'The Idempotency-Key was used with a different body.' },
  rate_limited: { status: 429, summary: 'The API key made too many requests this minute.' },
  headers_too_large: { status: 431, summary: 'The request headers are too large.' },
  internal_error: { status: 500, summary: 'An unexpected error; logged in full under the request id.' },
  no_model_available: {
    status: 503,
    summary: 'Neither the champion nor the fallback could answer; `retry-after` says when to try again.',
  },
  service_unavailable: {
    status: 503,
    summary: 'A dependency (Postgres) cannot be used right now; retry after `retry-after`.',
  },
  console_not_built: { status: 503, summary: 'The web console has not been built here; `npm run build` builds it.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export interface FieldProblem {
  /** Where the problem is, e.g. `body.labels[1].name` or `query.cursor`. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  fields?: FieldProblem[];
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly fields: FieldProblem[] | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.fields = options.fields;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/** An error of the catalogue, with the catalogue's status. */
const problem = (code: ErrorCode, message: string, options?: AppErrorOptions) =>
  new AppError(code, ERROR_CATALOGUE[code].status, message, options);

export const errors = {
  validation: (message: string, fields: FieldProblem[]) => problem('validation_failed', message, { fields }),
  /** Text Postgres cannot store (U+0000, unpaired surrogates), refused wherever a request carries it. */
  invalidText: (fields: FieldProblem[]) =>
    problem(
      'invalid_text',
      'The request has text that cannot be stored: U+0000 (NUL) or an unpaired UTF-16 surrogate.',
      { fields },
    ),
  invalidCursor: (field = 'query.cursor') =>
    problem('invalid_cursor', 'The cursor is not one this API returned.', {
      fields: [{ field, message: 'unknown or malformed cursor' }],
    }),
  unauthenticated: (message = 'A valid API key is required: send "Authorization: Bearer <key>".') =>
    problem('unauthenticated', message),
  forbidden: (scope: string) =>
    problem('forbidden', `This API key lacks the "${scope}" scope.`, { details: { required_scope: scope } }),
  /** A route that is not about one task (creating tasks, for one), asked by a key limited to some tasks. */
  limitedToTasks: () =>
    problem('limited_to_tasks', 'This API key is limited to some tasks; only a key for every task may use this route.'),
  notFound: (resource: string, id: string) =>
    problem('not_found', `No ${resource} "${id}".`, { details: { resource, id } }),
  routeNotFound: (method: string, url: string) => problem('route_not_found', `No route ${method} ${url}.`),
  conflict: (message: string, details?: Record<string, unknown>) => problem('conflict', message, { details }),
  archived: (resource: string, id: string) =>
    problem('archived', `The ${resource} "${id}" is archived; restore it first.`, {
      details: { resource, id },
    }),
  /** `configHint`: what the provider declares to set, from its capabilities. */
  providerNotConfigured: (provider: string, configHint: string | null) =>
    problem(
      'provider_not_configured',
      `The ${provider} provider has no API key here${configHint ? ` (${configHint})` : ''}.`,
      {
        fields: [{ field: 'body.provider', message: 'not configured' }],
      },
    ),
  /** A provider connection name this deployment does not have. */
  unknownProvider: (provider: string, field: string) =>
    problem('unknown_provider', `No provider connection "${provider}" here; GET /v1/providers lists them.`, {
      details: { provider },
      fields: [{ field, message: 'unknown provider connection' }],
    }),
  /** A retry of something that has not failed (it is still running, or finished well). */
  notFailed: (resource: string, id: string, status: string) =>
    problem('not_failed', `The ${resource} "${id}" is ${status}; only a failed one can be retried.`, {
      details: { resource, id, status },
    }),
  /** Work on a model past its shutdown date: it would be billed and then fail (or serve nothing). */
  /** `known.source`: the connection's dated table (as of its date) or the provider's model list (as read that day). */
  modelShutDown: (
    model: string,
    shutdownDate: string,
    field: string,
    known: { source: 'table' | 'provider'; asOf: string },
  ) =>
    problem(
      'model_shut_down',
      `The model "${model}" was shut down on ${shutdownDate}; it can no longer be trained, used for labeling or evaluated. Choose another model.`,
      {
        fields: [{ field, message: `model "${model}" was shut down on ${shutdownDate}` }],
        details: {
          model,
          shutdown_date: shutdownDate,
          source: known.source,
          ...(known.source === 'table' ? { lifecycle_table_date: known.asOf } : { listed_on: known.asOf }),
        },
      },
    ),
  /** An Idempotency-Key sent again with another request (body, query or file). */
  idempotencyKeyReused: () =>
    problem('idempotency_key_reused', 'This Idempotency-Key was used with a different request.', {
      fields: [{ field: 'header.idempotency-key', message: 'already used for another request body' }],
    }),
  idempotencyKeyInFlight: () =>
    problem(
      'idempotency_key_in_flight',
      'A request with this Idempotency-Key is still being processed; retry shortly.',
      {
        headers: { 'retry-after': '1' },
      },
    ),
  unavailable: (message: string, details?: Record<string, unknown>, retryAfterSeconds = 5) =>
    problem('service_unavailable', message, {
      details,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  consoleNotBuilt: (directory: string) =>
    problem('console_not_built', `The web console is not built: no ${directory}/index.html. Run npm run build.`),
  /** A foreign key pointed nowhere (translated at the repository edge). */
  referenceNotFound: (message: string, constraint: string | undefined) =>
    problem('not_found', message, { details: { constraint } }),
  modelRetired: (message: string) => problem('model_retired', message),
  notReady: (message: string) => problem('not_ready', message),
  nothingToRollBack: () => problem('nothing_to_roll_back', 'No promotion replaced an earlier champion.'),
  nothingToLabel: (refining = false) =>
    refining
      ? problem(
          'nothing_to_label',
          'Every row of this version already has a label, and only_unlabeled is true. To refine labeled rows (weak ones take the negative label), pass only_unlabeled: false.',
          { fields: [{ field: 'body.only_unlabeled', message: 'pass false to refine labeled rows' }] },
        )
      : problem('nothing_to_label', 'No rows of this version need labeling (pass only_unlabeled=false to relabel).'),
  pipelineNotFailed: (id: string, status: string) =>
    problem('pipeline_not_failed', `Pipeline ${id} is ${status}; only a failed pipeline can be retried.`),
  preflightFailed: (
    fields: FieldProblem[],
    details: Record<string, unknown>,
    message = 'The data cannot be used for training as it is.',
  ) => problem('preflight_failed', message, { fields, details }),
  noModelRouted: (slug: string) =>
    problem('no_model_routed', `Task "${slug}" has neither a champion nor a fallback model to answer.`, {
      details: {
        hint: 'promote a model version (POST /v1/tasks/{task}/routing/promote) or set a fallback (PATCH /v1/tasks/{task}/routing)',
      },
    }),
  noModelAvailable: (message: string, details: Record<string, unknown>, retryAfterSeconds: number) =>
    problem('no_model_available', message, { details, headers: { 'retry-after': String(retryAfterSeconds) } }),
  rateLimited: (message: string, details: Record<string, unknown>) => problem('rate_limited', message, { details }),
  emptyFile: (message: string) => problem('empty_file', message),
  emptyDataset: (details: Record<string, unknown>) =>
    problem('empty_dataset', 'The upload has no importable rows.', { details }),
  unknownFormat: () =>
    problem(
      'unknown_format',
      'Could not tell the file format from its first line; pass format=jsonl, openai-chat, openai-completions or csv.',
      {
        fields: [{ field: 'query.format', message: 'required for this file' }],
      },
    ),
  invalidFile: (message: string, options?: Pick<AppErrorOptions, 'fields' | 'details'>) =>
    problem('invalid_file', message, options),
  payloadTooLarge: (message: string) => problem('payload_too_large', message),
  unsupportedMediaType: (message: string) => problem('unsupported_media_type', message),
  badRequest: (message: string) => problem('bad_request', message),
  /** A 4xx the framework (or one of its plugins) raised: its own status, which may differ from the code's usual one. */
  clientError: (code: ErrorCode, status: number, message: string) => new AppError(code, status, message),
  internal: () => problem('internal_error', 'An unexpected error occurred.'),
};
