import type { RateLimitSnapshot } from '../../lib/provider-rate-limiter.js';
import {
  classifyHttpError,
  type ErrorClassification,
  type ErrorDialect,
  type HeaderSource,
  headerValue,
  type HttpErrorLike,
  nonNegativeInteger,
} from '../http-errors.js';

/**
 * OpenAI failures sorted into "retry later" and "give up" (OpenAI error-codes guide; `shouldRetry`
 * in the `openai` Node SDK 6.x, src/client.ts), by the table in ../http-errors.ts: a 429
 * insufficient_quota is a billing problem, not a rate limit.
 */
const OPENAI: ErrorDialect = {
  quotaCodes: new Set(['insufficient_quota', 'credit_balance_exhausted']),
  modelNotFoundCodes: new Set(['model_not_found']),
};

export const classifyOpenAIError = (error: HttpErrorLike, now: number = Date.now()): ErrorClassification =>
  classifyHttpError(error, OPENAI, now);

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
