import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailableError, databaseUnavailableReason } from '../../db/pg-errors.js';
import { errors, isAppError, type AppError, type ErrorCode, type FieldProblem } from '../../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** `/labels/1/name` in the body becomes `body.labels[1].name`. */
function fieldOf(part: string, issue: AjvIssue): string {
  const segments = issue.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = (issue.params['missingProperty'] ?? issue.params['additionalProperty']) as string | undefined;
  if (extra !== undefined) segments.push(extra);
  return segments.reduce(
    (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : `${path}.${segment}`),
    part,
  );
}

function messageOf(issue: AjvIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not a known field';
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'enum') return `${issue.message} (${(issue.params['allowedValues'] as unknown[]).join(', ')})`;
  return issue.message ?? 'is invalid';
}

function validationError(error: FastifyError): AppError {
  const part = PART_NAMES[error.validationContext ?? 'body'] ?? 'body';
  const issues: AjvIssue[] = error.validation ?? [];
  // anyOf/oneOf repeat each branch's complaint; keep one line per field and message.
  const seen = new Set<string>();
  const fields: FieldProblem[] = [];
  for (const issue of issues) {
    if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf') continue;
    const problem = { field: fieldOf(part, issue), message: messageOf(issue) };
    const key = `${problem.field}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    fields.push(problem);
    seen.add(key);
  }
  return errors.validation(`The request ${part} is invalid.`, fields);
}

// Fastify's own client errors, given stable public codes.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};

function toAppError(error: FastifyError | Error): AppError | undefined {
  if (isAppError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fastifyError);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError.code] ?? (error instanceof SyntaxError ? 'malformed_json' : 'bad_request');
    return errors.clientError(code, status, error.message);
  }
  return undefined;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  for (const [name, value] of Object.entries(error.headers ?? {})) reply.header(name, value);
  return reply
    .status(error.statusCode)
    .type(PROBLEM_CONTENT_TYPE)
    .send({
      type: `urn:tuneline:problem:${error.code}`,
      title: STATUS_CODES[error.statusCode] ?? 'Error',
      status: error.statusCode,
      code: error.code,
      detail: error.message,
      instance: request.url,
      request_id: request.id,
      ...(error.fields ? { errors: error.fields } : {}),
      ...(error.details ? { details: error.details } : {}),
    });
}

/**
 * The single error handler: known errors become problem+json; an unreachable database is a 503
 * with retry-after (whichever route or hook met it); anything else is a logged, opaque 500.
 */
export function installProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const unavailable = databaseUnavailableReason(error);
    if (unavailable) {
      // The reason only: a failed query's error carries its parameters, which may be key hashes.
      request.log.warn({ reason: unavailable }, 'database unavailable');
      return sendProblem(request, reply, databaseUnavailableError());
    }
    const known = toAppError(error);
    if (known) {
      if (known.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(request, reply, known);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, errors.internal());
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, errors.routeNotFound(request.method, request.url)),
  );
}
