import { describe, expect, it } from 'vitest';
import { classifyTogetherError, parseTogetherRateLimitHeaders } from './together-errors.js';

describe('classifyTogetherError', () => {
  it('retries Together’s rate limits and overloads, honouring retry-after', () => {
    expect(
      classifyTogetherError({
        status: 429,
        type: 'dynamic_request_limited',
        code: 'rate_limit_exceeded',
        message: 'Rate limit exceeded',
        headers: { 'retry-after': '2' },
      }),
    ).toEqual({ kind: 'retryable', code: 'rate_limit_exceeded', retryAfterMs: 2000 });
    expect(classifyTogetherError({ status: 503, code: 'service_unavailable', message: 'overloaded' })).toEqual({
      kind: 'retryable',
      code: 'service_unavailable',
    });
  });

  it.each([
    [402, null, 'insufficient_quota'],
    [403, null, 'invalid_request'],
    [404, 'model_not_available', 'model_not_found'],
    [404, 'not_found', 'not_found'],
    [400, 'model_not_available', 'invalid_request'],
    [401, 'invalid_api_key', 'invalid_api_key'],
  ])('%i %s is permanent: %s', (status, code, expected) => {
    expect(classifyTogetherError({ status, code, message: 'x' })).toEqual({ kind: 'permanent', code: expected });
  });
});

describe('parseTogetherRateLimitHeaders', () => {
  it('reads the request and token headers, with one reset in seconds', () => {
    expect(
      parseTogetherRateLimitHeaders(
        new Headers({
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '3',
          'x-ratelimit-reset': '1',
          'x-tokenlimit-limit': '5000',
          'x-tokenlimit-remaining': '1200',
        }),
      ),
    ).toEqual({
      limitRequests: 10,
      remainingRequests: 3,
      limitTokens: 5000,
      remainingTokens: 1200,
      resetRequestsMs: 1000,
      resetTokensMs: 1000,
    });
    expect(parseTogetherRateLimitHeaders({ 'x-ratelimit-remaining': 'many', 'x-ratelimit-reset': 'soon' })).toEqual({});
  });
});
