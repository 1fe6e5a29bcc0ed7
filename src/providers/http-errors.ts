import type { RateLimitSnapshot } from '../lib/provider-rate-limiter.js';
import { ProviderError, type ProviderErrorKind } from './provider.js';

/**
 * Hosted providers' failures sorted into "retry later" and "give up", by HTTP status first and
 * the provider's error code second. The SDKs' own rules retry every 429 (`shouldRetry` in the
 * `openai` and `together-ai` Node SDKs, both generated from the same template), but a 429 for an
 * exhausted quota is a billing problem that retrying only prolongs, so Tuneline classifies errors
 * itself and runs the SDKs with maxRetries: 0. What differs between providers is an ErrorDialect.
 */

/** Response headers as a fetch `Headers`, or as a plain object (undici's: repeated headers as arrays). */
export type HeaderSource = Headers | Readonly<Record<string, string | string[] | undefined>>;

export interface HttpErrorLike {
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

/** What a provider's errors mean beyond the status table below. */
export interface ErrorDialect {
  /** 429 codes or types that mean the account is out of quota or credit: never retried. */
  quotaCodes: ReadonlySet<string>;
  /** 404 codes that say the model does not exist there, reported as `model_not_found`. */
  modelNotFoundCodes: ReadonlySet<string>;
  /** Statuses the provider gives a meaning of its own, always permanent, with the code to report. */
  permanentStatuses?: Readonly<Record<number, string>>;
}

export function headerValue(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const wanted = name.toLowerCase();
  // Node's HTTP clients give lower-cased names: a direct lookup, before looking at every name.
  let value = record[wanted];
  if (value === undefined) {
    for (const key in record) if (key.toLowerCase() === wanted) value = record[key];
  }
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A header's whole non-negative number (rate-limit counts), or undefined when it is missing or malformed. */
export function nonNegativeInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
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

const retryable = (code: string, headers: HeaderSource | undefined, now: number): ErrorClassification => {
  const wait = retryAfterMs(headers, now);
  return wait === undefined ? { kind: 'retryable', code } : { kind: 'retryable', code, retryAfterMs: wait };
};

export function classifyHttpError(
  error: HttpErrorLike,
  dialect: ErrorDialect,
  now: number = Date.now(),
): ErrorClassification {
  if (error.isTimeout) return { kind: 'retryable', code: 'timeout' };
  if (error.isConnection || error.status === 0) return { kind: 'retryable', code: 'connection_error' };
  const { status, headers } = error;
  // No HTTP status and no network failure: something threw around the request (an abort, a
  // bug, an unparseable body), and retrying would only repeat it.
  if (status === undefined) return { kind: 'permanent', code: 'unknown_error' };
  const code = error.code ?? undefined;
  const classification = ((): ErrorClassification => {
    const own = dialect.permanentStatuses?.[status];
    if (own !== undefined) return { kind: 'permanent', code: own };
    if (status === 429) {
      const quota = [code, error.type].find((value) => value != null && dialect.quotaCodes.has(value));
      if (quota) return { kind: 'permanent', code: quota };
      return retryable(code ?? 'rate_limit_exceeded', headers, now);
    }
    if (status === 401) return { kind: 'permanent', code: 'invalid_api_key' };
    if (status === 403) return { kind: 'permanent', code: code ?? 'permission_denied' };
    if (status === 404)
      return {
        kind: 'permanent',
        code: code !== undefined && dialect.modelNotFoundCodes.has(code) ? 'model_not_found' : 'not_found',
      };
    if (status === 400 || status === 422) return { kind: 'permanent', code: 'invalid_request' };
    if (status === 408) return retryable(code ?? 'request_timeout', headers, now);
    if (status === 409) return retryable(code ?? 'conflict', headers, now);
    if (status >= 500) return retryable(code ?? 'server_error', headers, now);
    return { kind: 'permanent', code: code ?? `http_${status}` };
  })();
  // The SDKs let `x-should-retry: false` overrule their status table; a server that says a
  // failure will not heal is believed (the reverse is not: a 400 stays a 400).
  if (classification.kind === 'retryable' && headerValue(headers, 'x-should-retry')?.trim().toLowerCase() === 'false') {
    return { kind: 'permanent', code: classification.code };
  }
  return classification;
}

export function providerError(
  classified: ErrorClassification,
  message: string,
  status?: number,
  rateLimit?: RateLimitSnapshot,
): ProviderError {
  return new ProviderError(classified.kind, classified.code, message, {
    status,
    retryAfterMs: classified.retryAfterMs,
    rateLimit,
  });
}
