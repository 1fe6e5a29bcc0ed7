import { isRetryable, retryAfterMs, retryingFetch, type RetryNotice } from '@tuneline/client';
import { describe, expect, it } from 'vitest';

const request = (method: string, headers: Record<string, string> = {}) =>
  new Request('http://tuneline.test/v1/tasks/t/classify', {
    method,
    headers,
    body: method === 'GET' ? undefined : '{"input":"x"}',
  });
const answer = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });

/** A server that answers from a script, one answer per request, and keeps the bodies it was sent. */
function scripted(...answers: Response[]) {
  const bodies: string[] = [];
  return {
    bodies,
    send: async (sent: Request) => {
      bodies.push(await sent.text());
      return answers.shift() ?? answer(200);
    },
  };
}

describe('retry-after', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Wed, 02 Dec 2026 10:00:05 GMT', now)).toBe(5_000);
    // A date already past means "now", never a negative wait.
    expect(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('retries 429 for any request, 503 only for one that is safe to repeat', () => {
    expect(isRetryable(request('POST'), answer(429))).toBe(true);
    expect(isRetryable(request('GET'), answer(503))).toBe(true);
    expect(isRetryable(request('POST'), answer(503))).toBe(false);
    expect(isRetryable(request('POST', { 'idempotency-key': 'k' }), answer(503))).toBe(true);
    // The first request with this key is still running: worth asking again.
    expect(isRetryable(request('POST', { 'idempotency-key': 'k' }), answer(409, { 'retry-after': '1' }))).toBe(true);
    expect(isRetryable(request('POST'), answer(409, { 'retry-after': '1' }))).toBe(false);
    expect(isRetryable(request('GET'), answer(500))).toBe(false);
  });
});

describe('retryingFetch', () => {
  it('sends the same body again after the wait, and stops after its attempts', async () => {
    const server = scripted(answer(429, { 'retry-after': '0' }), answer(429), answer(429), answer(429));
    const retries: RetryNotice[] = [];
    const send = retryingFetch(server.send, { attempts: 2, baseDelayMs: 1, onRetry: (retry) => retries.push(retry) });
    const response = await send(request('POST'));
    expect(response.status).toBe(429);
    expect(server.bodies).toEqual(['{"input":"x"}', '{"input":"x"}', '{"input":"x"}']);
    // retry-after: 0 first, then the doubling default.
    expect(retries.map((retry) => retry.waitMs)).toEqual([0, 2]);
  });

  it('hands back a refusal whose wait is longer than it may wait', async () => {
    const server = scripted(answer(503, { 'retry-after': '120' }));
    const response = await retryingFetch(server.send, { maxWaitMs: 1_000 })(request('GET'));
    expect(response.status).toBe(503);
    expect(server.bodies).toHaveLength(1);
  });

  it('does not repeat a POST without an Idempotency-Key that got a 503', async () => {
    const server = scripted(answer(503, { 'retry-after': '0' }));
    expect((await retryingFetch(server.send)(request('POST'))).status).toBe(503);
    expect(server.bodies).toHaveLength(1);
  });
});
