/**
 * The one error model. Services throw `AppError`s built from the catalogue below; the API's
 * error handler renders them as `application/problem+json`. Codes are part of the public contract:
 * clients branch on them, so never rename one.
 */
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
    readonly code: string,
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

export const errors = {
  validation: (message: string, fields: FieldProblem[]) =>
    new AppError('validation_failed', 400, message, { fields }),
  /** Text Postgres cannot store (U+0000, unpaired surrogates), refused wherever a request carries it. */
  invalidText: (fields: FieldProblem[]) =>
    new AppError('invalid_text', 400, 'The request has text that cannot be stored: U+0000 (NUL) or an unpaired UTF-16 surrogate.', { fields }),
  invalidCursor: (field = 'query.cursor') =>
    new AppError('invalid_cursor', 400, 'The cursor is not one this API returned.', {
      fields: [{ field, message: 'unknown or malformed cursor' }],
    }),
  unauthenticated: (message = 'A valid API key is required: send "Authorization: Bearer <key>".') =>
    new AppError('unauthenticated', 401, message),
  forbidden: (scope: string) =>
    new AppError('forbidden', 403, `This API key lacks the "${scope}" scope.`, { details: { required_scope: scope } }),
  notFound: (resource: string, id: string) =>
    new AppError('not_found', 404, `No ${resource} "${id}".`, { details: { resource, id } }),
  routeNotFound: (method: string, url: string) =>
    new AppError('route_not_found', 404, `No route ${method} ${url}.`),
  conflict: (message: string, details?: Record<string, unknown>) =>
    new AppError('conflict', 409, message, { details }),
  archived: (resource: string, id: string) =>
    new AppError('archived', 409, `The ${resource} "${id}" is archived; restore it first.`, {
      details: { resource, id },
    }),
  /** `configHint`: what the provider declares to set, from its capabilities. */
  providerNotConfigured: (provider: string, configHint: string | null) =>
    new AppError('provider_not_configured', 400, `The ${provider} provider has no API key here${configHint ? ` (${configHint})` : ''}.`, {
      fields: [{ field: 'body.provider', message: 'not configured' }],
    }),
  /** A retry of something that has not failed (it is still running, or finished well). */
  notFailed: (resource: string, id: string, status: string) =>
    new AppError('not_failed', 409, `The ${resource} "${id}" is ${status}; only a failed one can be retried.`, {
      details: { resource, id, status },
    }),
  /** Work on a model past its shutdown date: it would be billed and then fail (or serve nothing). */
  modelShutDown: (model: string, shutdownDate: string, field: string, tableDate: string) =>
    new AppError('model_shut_down', 400, `The model "${model}" was shut down on ${shutdownDate}; it can no longer be trained, used for labeling or evaluated. Choose another model.`, {
      fields: [{ field, message: `model "${model}" was shut down on ${shutdownDate}` }],
      details: { model, shutdown_date: shutdownDate, lifecycle_table_date: tableDate },
    }),
  unavailable: (message: string, details?: Record<string, unknown>, retryAfterSeconds = 5) =>
    new AppError('service_unavailable', 503, message, {
      details,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
};
