import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/harness.js';
import { startRedisServer, type TestRedisServer } from './helpers/redis-server.js';

let redis: TestRedisServer;
let h: Harness;
beforeAll(async () => {
  redis = await startRedisServer();
  h = await createHarness({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await redis?.start().catch(() => undefined);
  await h?.close();
  await redis?.stop();
});

describe('health', () => {
  it('is live without checking dependencies', async () => {
    const response = await h.http().get('/health/live');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('is ready when Postgres and Redis answer, and not when Redis is gone', async () => {
    const ready = await h.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.postgres.status).toBe('up');
    expect(ready.body.checks.redis.status).toBe('up');

    await redis.stop();
    const down = await h.http().get('/health/ready');
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toContain('application/problem+json');
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body.code).toBe('service_unavailable');
    expect(down.body.details.checks.redis.status).toBe('down');
    expect(down.body.details.checks.postgres.status).toBe('up');

    // ioredis reconnects by itself once Redis is back.
    await redis.start();
    await expect.poll(async () => (await h.http().get('/health/ready')).status, { timeout: 10_000 }).toBe(200);
  });

  it('exposes Prometheus metrics with request durations by route template', async () => {
    await h.http().get('/v1/tasks/some-task'); // 401, recorded under its template
    const response = await h.http().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toMatch(
      /http_request_duration_seconds_count\{process="api",method="GET",route="\/v1\/tasks\/:task",status_code="401"\} 1/,
    );
    expect(response.text).toContain('process_cpu_seconds_total');
  });
});
