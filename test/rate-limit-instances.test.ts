import { Redis } from 'ioredis';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchedRateLimitStore, type RateLimitCount } from '../src/lib/batched-rate-limit-store.js';
import { registerModel, route } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, uniqueName, type Harness } from './helpers/harness.js';
import { secondInstance } from './helpers/second-instance.js';
import { TEST_REDIS_URL } from './helpers/services.js';
import { splitDataset } from './helpers/training.js';

let h: Harness;
const connections: Redis[] = [];

beforeAll(async () => {
  h = await createHarness();
  const version = await splitDataset(h, 'titles', 40);
  const local = await registerModel(h, 'titles', {
    kind: 'prompt',
    provider: 'local',
    name: 'local',
    few_shot_from: { dataset_version_id: version, k: 20 },
  });
  await route(h, 'titles', { champion: local });
});
afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await h?.close();
});

async function connect(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { connectionName: 'tuneline:rate-limit-test', maxRetriesPerRequest: 0 });
  connections.push(redis);
  await redis.ping();
  return redis;
}

/** One API instance's store, as the rate-limit plugin builds it. */
async function instanceStore(prefix: string) {
  const redis = await connect();
  const counts = batchedRateLimitStore({ redis, syncMs: 5 });
  const store = new (counts.storeClass(prefix))();
  const incr = (key: string, max: number) =>
    new Promise<RateLimitCount>((resolve, reject) =>
      store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), 60_000, max),
    );
  return { redis, counts, incr };
}

describe('the rate limit across API instances', () => {
  it('accepts exactly the limit from requests alternating between two instances, then refuses on both', async () => {
    const created = await h
      .http()
      .post('/v1/api-keys')
      .set('authorization', bearer(ADMIN_KEY))
      .send({ name: 'limited', scopes: ['classify'], rate_limit_per_minute: 20 });
    const key = created.body.key as string;
    const second = await secondInstance(h.config);
    try {
      const statuses: { instance: string; status: number; code?: string }[] = [];
      for (let i = 0; i < 30; i++) {
        // A few sync intervals apart, so each instance's batch has gone out before the other takes the
        // next request: an instance's view then lags by the one request the other took, within the
        // headroom (2 for a limit of 20) a request must leave to be let through without asking Redis.
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 15));
        const instance = i % 2 === 0 ? 'first' : 'second';
        const request = instance === 'first' ? h.http() : supertest(second.url);
        const response = await request
          .post('/v1/tasks/titles/classify')
          .set('authorization', bearer(key))
          .send({ input: `how to ${i}` });
        statuses.push({ instance, status: response.status, code: response.body.code });
      }
      expect(statuses.slice(0, 20).map(({ status }) => status)).toEqual(Array(20).fill(200));
      expect(statuses.slice(20)).toEqual(
        Array.from({ length: 10 }, (_, i) => ({
          instance: i % 2 === 0 ? 'first' : 'second',
          status: 429,
          code: 'rate_limited',
        })),
      );
    } finally {
      await second.stop();
    }
    // Both instances' counts reached the same Redis counter (the second's last ones as it closed).
    const [counter] = await h.runtime.redis.keys(`${h.config.queuePrefix}:rate-limit:*${created.body.id}`);
    await expect.poll(async () => Number(await h.runtime.redis.get(counter!)), { interval: 10 }).toBe(30);
  });

  it('sends 500 concurrent counts to Redis in one round trip and lets exactly the limit through', async () => {
    const prefix = `${uniqueName('tl')}:rate-limit:`;
    const { redis, counts, incr } = await instanceStore(prefix);
    // Loads the script, so the batch below is one EVALSHA, not EVALSHA, NOSCRIPT and EVAL.
    await incr('warm-up', 10);
    await counts.flush();

    // Every command the store's own connection sends (ioredis sends each through sendCommand; one
    // command is one round trip). Watching the connection, not MONITOR: other test files share this
    // Redis, and MONITOR would show (and have to parse) their traffic too.
    const sent: string[] = [];
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command: { name: string }) => {
      sent.push(command.name);
      return send(command as Parameters<typeof send>[0]);
    }) as typeof redis.sendCommand;

    const answers = await Promise.all(Array.from({ length: 500 }, () => incr('burst', 100)));
    await counts.flush();
    redis.sendCommand = send;

    expect(answers.map(({ current }) => current).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect(answers.filter(({ current }) => current <= 100)).toHaveLength(100);
    for (const { ttl } of answers) expect(ttl).toBeGreaterThan(0);
    expect(sent).toEqual(['evalsha']);
    expect(await redis.get(`${prefix}burst`)).toBe('500');
    expect(await redis.pttl(`${prefix}burst`)).toBeGreaterThan(0);
  });

  it('goes over the limit by at most what another instance took in memory before its first batch came back', async () => {
    const prefix = `${uniqueName('tl')}:rate-limit:`;
    const first = await instanceStore(prefix);
    const second = await instanceStore(prefix);
    // Both instances take 300 requests within one sync interval, neither having seen the other's.
    const answers = await Promise.all([
      ...Array.from({ length: 300 }, () => first.incr('shared', 100)),
      ...Array.from({ length: 300 }, () => second.incr('shared', 100)),
    ]);
    // Each lets 90 through in memory (the last tenth of the limit waits for Redis); the instance
    // whose batch Redis runs first gets places 1–300, so its 10 waiting requests are let through
    // and the other's (places 391–400) are not: 190, the limit plus the 90 the other took unseen.
    expect(answers.filter(({ current }) => current <= 100)).toHaveLength(190);
    await Promise.all([first.counts.flush(), second.counts.flush()]);
    expect(await first.redis.get(`${prefix}shared`)).toBe('600');
    // Each has learned a count over the limit from its batch: neither lets another request through.
    expect((await first.incr('shared', 100)).current).toBeGreaterThan(100);
    expect((await second.incr('shared', 100)).current).toBeGreaterThan(100);
  });
});
