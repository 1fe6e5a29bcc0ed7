import type { RateLimitSnapshot } from '../../lib/provider-rate-limiter.js';
import type { ProviderErrorKind } from '../provider.js';

/**
 * OpenAI failures sorted into "retry later" and "give up" (OpenAI error-codes guide; `shouldRetry`
 * in the `openai` Node SDK 6.x, src/client.ts). The SDK's own rule retries every 429, but a 429
 * insufficient_quota is a billing problem that retrying only prolongs, so Tuneline classifies
 * errors itself and runs the SDK with maxRetries: 0.
 */

export type HeaderSource = Headers | Readonly<Record<string, string>>;

export interface OpenAIErrorLike {
  status?: number;
  code?: string | null;
  type?: string | null;
  message: string;
  headers?: HeaderSource;
  isTimeout?: boolean;
  isConnection?: boolean;
}

export interface ErrorClassification {
  kind: ProviderErrorKind;
  code: string;
  retryAfterMs?: number;
}

function headerValue(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The server's requested wait: retry-after-ms, then retry-after in seconds or as an HTTP date. */
export function retryAfterMs(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const after = headerValue(headers, 'retry-after')?.trim();
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const QUOTA_CODES = new Set(['insufficient_quota', 'credit_balance_exhausted']);

const retryable = (code: string, headers: HeaderSource | undefined, now: number): ErrorClassification => {
  const wait = retryAfterMs(headers, now);
  return wait === undefined ? { kind: 'retryable', code } : { kind: 'retryable', code, retryAfterMs: wait };
};

export function classifyOpenAIError(error: OpenAIErrorLike, now: number = Date.now()): ErrorClassification {
  if (error.isTimeout) return { kind: 'retryable', code: 'timeout' };
  if (error.isConnection || error.status === 0) return { kind: 'retryable', code: 'connection_error' };
  const { status, headers } = error;
  // No HTTP status and no network failure: something threw around the request (an abort, a
  // bug, an unparseable body), and retrying would only repeat it.
  if (status === undefined) return { kind: 'permanent', code: 'unknown_error' };
  const code = error.code ?? undefined;
  const classification = ((): ErrorClassification => {
    if (status === 429) {
      const quota = [code, error.type].find((value) => value != null && QUOTA_CODES.has(value));
      if (quota) return { kind: 'permanent', code: quota };
      return retryable(code ?? 'rate_limit_exceeded', headers, now);
    }
    if (status === 401) return { kind: 'permanent', code: 'invalid_api_key' };
    if (status === 403) return { kind: 'permanent', code: code ?? 'permission_denied' };
    if (status === 404)
      return { kind: 'permanent', code: code === 'model_not_found' ? 'model_not_found' : 'not_found' };
    if (status === 400 || status === 422) return { kind: 'permanent', code: 'invalid_request' };
    if (status === 408) return retryable(code ?? 'request_timeout', headers, now);
    if (status === 409) return retryable(code ?? 'conflict', headers, now);
    if (status >= 500) return retryable(code ?? 'server_error', headers, now);
    return { kind: 'permanent', code: code ?? `http_${status}` };
  })();
  // The SDK lets `x-should-retry: false` overrule its status table; a server that says a
  // failure will not heal is believed (the reverse is not: a 400 stays a 400).
  if (classification.kind === 'retryable' && headerValue(headers, 'x-should-retry')?.trim().toLowerCase() === 'false') {
    return { kind: 'permanent', code: classification.code };
  }
  return classification;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const GO_DURATION = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/u;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gu;

/**
 * A Go duration string (`1s`, `6m0s`, `20ms`, `8.64s`, `1h32m15s`) in milliseconds, or
 * undefined when it is not one. Rounded to the nanosecond to drop binary-fraction noise.
 */
export function parseGoDuration(text: string): number | undefined {
  const value = text.trim();
  if (/^[-+]?0$/.test(value)) return 0;
  const match = GO_DURATION.exec(value);
  if (!match) return undefined;
  let total = 0;
  for (const part of value.matchAll(GO_DURATION_PART))
    total += Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? Number.NaN);
  if (!Number.isFinite(total)) return undefined;
  const ms = Math.round(total * 1e6) / 1e6;
  return match[1] === '-' ? -ms : ms;
}

function nonNegativeInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function resetMs(value: string | undefined): number | undefined {
  const ms = value === undefined ? undefined : parseGoDuration(value);
  return ms === undefined || ms < 0 ? undefined : ms;
}

/** The x-ratelimit-* headers; a missing or malformed header leaves its field out. */
export function parseRateLimitHeaders(headers: HeaderSource): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = {};
  const remainingRequests = nonNegativeInteger(headerValue(headers, 'x-ratelimit-remaining-requests'));
  const remainingTokens = nonNegativeInteger(headerValue(headers, 'x-ratelimit-remaining-tokens'));
  const resetRequestsMs = resetMs(headerValue(headers, 'x-ratelimit-reset-requests'));
  const resetTokensMs = resetMs(headerValue(headers, 'x-ratelimit-reset-tokens'));
  const limitRequests = nonNegativeInteger(headerValue(headers, 'x-ratelimit-limit-requests'));
  const limitTokens = nonNegativeInteger(headerValue(headers, 'x-ratelimit-limit-tokens'));
  if (limitRequests !== undefined) snapshot.limitRequests = limitRequests;
  if (limitTokens !== undefined) snapshot.limitTokens = limitTokens;
  if (remainingRequests !== undefined) snapshot.remainingRequests = remainingRequests;
  if (remainingTokens !== undefined) snapshot.remainingTokens = remainingTokens;
  if (resetRequestsMs !== undefined) snapshot.resetRequestsMs = resetRequestsMs;
  if (resetTokensMs !== undefined) snapshot.resetTokensMs = resetTokensMs;
  return snapshot;
}
