import Together from 'together-ai';
import type { RateLimitSnapshot } from '../../lib/provider-rate-limiter.js';
import {
  classifyHttpError,
  type ErrorClassification,
  type ErrorDialect,
  type HeaderSource,
  type HttpErrorLike,
  headerValue,
  nonNegativeInteger,
  providerError,
} from '../http-errors.js';

/**
 * Together failures in the shared table (../http-errors.ts), with what Together's error-codes
 * article gives its statuses: 402 when the account's credit or spending limit is used up (never
 * retried, and it stops a label run), 403 when prompt plus max_tokens exceed the model's context
 * (a bad request for that text, not a permission), 404 `model_not_available` for a model it does
 * not have. A 429 is always a rate limit (`dynamic_request_limited` / `dynamic_token_limited`),
 * a 503 an overloaded model: both retried.
 */
const TOGETHER: ErrorDialect = {
  quotaCodes: new Set(),
  modelNotFoundCodes: new Set(['model_not_available', 'model_not_found']),
  permanentStatuses: { 402: 'insufficient_quota', 403: 'invalid_request' },
};

export const classifyTogetherError = (error: HttpErrorLike, now: number = Date.now()): ErrorClassification =>
  classifyHttpError(error, TOGETHER, now);

/**
 * Together's rate-limit headers on serverless answers: `x-ratelimit-limit` / `-remaining` for
 * requests, `x-tokenlimit-limit` / `-remaining` for tokens (both per second, the unit Together
 * measures in; only their ratio matters here), and one `x-ratelimit-reset` in seconds.
 */
export function parseTogetherRateLimitHeaders(headers: HeaderSource): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = {};
  const limitRequests = nonNegativeInteger(headerValue(headers, 'x-ratelimit-limit'));
  const remainingRequests = nonNegativeInteger(headerValue(headers, 'x-ratelimit-remaining'));
  const limitTokens = nonNegativeInteger(headerValue(headers, 'x-tokenlimit-limit'));
  const remainingTokens = nonNegativeInteger(headerValue(headers, 'x-tokenlimit-remaining'));
  const reset = headerValue(headers, 'x-ratelimit-reset')?.trim();
  const resetMs = reset && /^\d+(\.\d+)?$/.test(reset) ? Number(reset) * 1000 : undefined;
  if (limitRequests !== undefined) snapshot.limitRequests = limitRequests;
  if (limitTokens !== undefined) snapshot.limitTokens = limitTokens;
  if (remainingRequests !== undefined) snapshot.remainingRequests = remainingRequests;
  if (remainingTokens !== undefined) snapshot.remainingTokens = remainingTokens;
  if (resetMs !== undefined) {
    snapshot.resetRequestsMs = resetMs;
    snapshot.resetTokensMs = resetMs;
  }
  return snapshot;
}

/**
 * The parts of an error body Tuneline reads: the spec's ErrorData (`{"error": {"message", "type",
 * "param", "code"}}`) or the bare `{"message"}` a few operations declare. The SDK stringifies
 * the whole body into its own message, so the provider's words are taken from here.
 */
function errorBody(body: unknown): { message: string | undefined; code: string | null; type: string | null } {
  const outer = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const inner =
    outer['error'] !== null && typeof outer['error'] === 'object' ? (outer['error'] as Record<string, unknown>) : outer;
  const text = (key: string) => (typeof inner[key] === 'string' ? (inner[key] as string) : null);
  return { message: text('message') ?? undefined, code: text('code'), type: text('type') };
}

/** Any SDK failure as a ProviderError that says whether to retry; an abort is passed through untouched. */
export function toProviderError(error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return error;
  if (error instanceof Together.APIConnectionTimeoutError) {
    return providerError(classifyTogetherError({ message: error.message, isTimeout: true }), error.message);
  }
  if (error instanceof Together.APIConnectionError) {
    return providerError(classifyTogetherError({ message: error.message, isConnection: true }), error.message);
  }
  if (error instanceof Together.APIError) {
    const body = errorBody(error.error);
    const message = body.message ?? error.message;
    const classified = classifyTogetherError({
      status: error.status,
      code: body.code,
      type: body.type,
      message,
      headers: error.headers,
    });
    const rateLimit = error.headers ? parseTogetherRateLimitHeaders(error.headers) : undefined;
    return providerError(classified, message, error.status, rateLimit);
  }
  return error;
}
