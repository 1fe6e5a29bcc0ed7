import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../http-errors.js';
import { classifyOpenAIError, parseGoDuration, parseRateLimitHeaders } from './error-classification.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('classifyOpenAIError', () => {
  it('retries a rate limit, honouring retry-after-ms first', () => {
    const headers = new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' });
    expect(
      classifyOpenAIError(
        { status: 429, code: 'rate_limit_exceeded', type: 'tokens', message: 'Rate limit reached', headers },
        NOW,
      ),
    ).toEqual({
      kind: 'retryable',
      code: 'rate_limit_exceeded',
      retryAfterMs: 1500,
    });
  });

  it('reads retry-after as seconds or an HTTP date, from Headers or a plain record', () => {
    expect(
      classifyOpenAIError(
        { status: 429, code: 'slow_down', message: 'slow down', headers: { 'Retry-After': '3' } },
        NOW,
      ),
    ).toEqual({
      kind: 'retryable',
      code: 'slow_down',
      retryAfterMs: 3000,
    });
    const date = new Date(NOW + 20_000).toUTCString();
    expect(
      classifyOpenAIError(
        {
          status: 503,
          code: 'server_is_overloaded',
          message: 'overloaded',
          headers: new Headers({ 'retry-after': date }),
        },
        NOW,
      ),
    ).toEqual({
      kind: 'retryable',
      code: 'server_is_overloaded',
      retryAfterMs: 20_000,
    });
  });

  it('leaves retryAfterMs out when the server gave none', () => {
    expect(classifyOpenAIError({ status: 429, code: null, message: 'Too many requests' })).toEqual({
      kind: 'retryable',
      code: 'rate_limit_exceeded',
    });
  });

  it('never retries an exhausted quota', () => {
    expect(
      classifyOpenAIError({
        status: 429,
        code: 'insufficient_quota',
        type: 'insufficient_quota',
        message: 'You exceeded your current quota',
      }),
    ).toEqual({
      kind: 'permanent',
      code: 'insufficient_quota',
    });
    expect(classifyOpenAIError({ status: 429, code: 'credit_balance_exhausted', message: 'no credit' }).kind).toBe(
      'permanent',
    );
    expect(classifyOpenAIError({ status: 429, code: null, type: 'insufficient_quota', message: 'quota' })).toEqual({
      kind: 'permanent',
      code: 'insufficient_quota',
    });
  });

  it.each([
    [401, 'invalid_api_key', 'invalid_api_key'],
    [401, null, 'invalid_api_key'],
    [403, 'training_not_available', 'training_not_available'],
    [403, null, 'permission_denied'],
    [404, 'model_not_found', 'model_not_found'],
    [404, null, 'not_found'],
    [400, 'context_length_exceeded', 'invalid_request'],
    [422, null, 'invalid_request'],
    [413, null, 'http_413'],
  ])('%i %s is permanent: %s', (status, code, expected) => {
    expect(classifyOpenAIError({ status, code, message: 'x' })).toEqual({ kind: 'permanent', code: expected });
  });

  it.each([
    [408, null, 'request_timeout'],
    [409, null, 'conflict'],
    [500, null, 'server_error'],
    [502, null, 'server_error'],
    [503, 'server_is_overloaded', 'server_is_overloaded'],
  ])('%i %s is retryable: %s', (status, code, expected) => {
    expect(classifyOpenAIError({ status, code, message: 'x' })).toEqual({ kind: 'retryable', code: expected });
  });

  it('retries timeouts and connection failures', () => {
    expect(classifyOpenAIError({ message: 'Request timed out.', isTimeout: true })).toEqual({
      kind: 'retryable',
      code: 'timeout',
    });
    expect(classifyOpenAIError({ message: 'Connection error.', isConnection: true })).toEqual({
      kind: 'retryable',
      code: 'connection_error',
    });
  });

  it('does not retry an error with no status that is no network failure', () => {
    expect(classifyOpenAIError({ message: 'Request was aborted.' })).toEqual({
      kind: 'permanent',
      code: 'unknown_error',
    });
  });

  it('believes x-should-retry: false', () => {
    expect(
      classifyOpenAIError({
        status: 429,
        code: 'rate_limit_exceeded',
        message: 'x',
        headers: { 'x-should-retry': 'false' },
      }),
    ).toEqual({
      kind: 'permanent',
      code: 'rate_limit_exceeded',
    });
    expect(
      classifyOpenAIError({ status: 400, code: null, message: 'x', headers: { 'x-should-retry': 'true' } }).kind,
    ).toBe('permanent');
  });
});

describe('retryAfterMs', () => {
  it('ignores junk and clamps past dates to 0', () => {
    expect(retryAfterMs({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after-ms': '-5' }, NOW)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': new Date(NOW - 5000).toUTCString() }, NOW)).toBe(0);
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['8.64s', 8640],
    ['1h32m15s', 5_535_000],
    ['0', 0],
    ['0s', 0],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['100ns', 0.0001],
    ['-2s', -2000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', 's', '1', '1d', '1 s', 'abc', '1s2', '--1s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads the guide’s sample headers', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(parseRateLimitHeaders(headers)).toEqual({
      limitRequests: 60,
      limitTokens: 150_000,
      remainingRequests: 59,
      remainingTokens: 149984,
      resetRequestsMs: 1000,
      resetTokensMs: 360_000,
    });
  });

  it('leaves out missing or malformed values', () => {
    expect(
      parseRateLimitHeaders({
        'X-RateLimit-Remaining-Tokens': '12',
        'x-ratelimit-reset-tokens': 'later',
        'x-ratelimit-remaining-requests': '-1',
      }),
    ).toEqual({
      remainingTokens: 12,
    });
    expect(parseRateLimitHeaders(new Headers())).toEqual({});
  });
});
