import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { migrateDatabase } from '../src/db/migrations.js';
import { createLogger } from '../src/lib/logger.js';
import { openRuntime, type Runtime } from '../src/start/runtime.js';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { ADMIN_KEY, bearer, uniqueName } from './helpers/harness.js';
import { startPostgresServer, type TestPostgresServer } from './helpers/postgres-server.js';
import { TEST_REDIS_URL } from './helpers/services.js';

/**
 * Postgres stopped and started under classify load, on a private cluster this file starts (the
 * machine's shared one is never touched). Database routes must answer 503 while it is away, classify
 * must keep answering from what it holds in memory, and every answered prediction must be written
 * once it is back.
 */
let postgres: TestPostgresServer;
let fake: OpenAIFake;
let runtime: Runtime;
let app: FastifyInstance;
let baseUrl: string;
let classifyKey: { id: string; key: string };
let taskId: string;
let championId: string;
const admin = bearer(ADMIN_KEY);
const TASK = 'outage';
// Longer than the API key cache (30 s): the outage in these tests outlasts it, as in production.
const PAST_KEY_CACHE_MS = 31_000;

beforeAll(async () => {
  postgres = await startPostgresServer();
  const migrator = new pg.Pool({ connectionString: postgres.adminUrl, max: 1 });
  try {
    await migrateDatabase(migrator);
  } finally {
    await migrator.end();
  }
  fake = await startOpenAIFake();
  fake.script({ rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' });
  const config = loadConfig({
    DATABASE_URL: postgres.adminUrl,
    REDIS_URL: TEST_REDIS_URL,
    ADMIN_API_KEY: ADMIN_KEY,
    QUEUE_PREFIX: uniqueName('tl'),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    PREDICTION_LOG_FLUSH_MS: '20',
    PREDICTION_LOG_BATCH: '50',
  });
  runtime = await openRuntime(config, createLogger({ level: 'silent', name: 'outage' }), 'api');
  app = await buildApp({ ...runtime });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const http = () => supertest(app.server);
  const task = await http()
    .post('/v1/tasks')
    .set('authorization', admin)
    .send({ slug: TASK, instructions: 'Classify.', labels: [{ name: 'billing' }, { name: 'other' }] })
    .expect(201);
  taskId = task.body.id;
  const model = await http()
    .post(`/v1/tasks/${TASK}/model-versions`)
    .set('authorization', admin)
    .send({ kind: 'prompt', provider: 'openai', model: 'gpt-4o-mini', name: 'hosted' })
    .expect(201);
  await http()
    .post(`/v1/tasks/${TASK}/routing/promote`)
    .set('authorization', admin)
    .send({ model_version_id: model.body.id })
    .expect(200);
  const created = await http()
    .post('/v1/api-keys')
    .set('authorization', admin)
    .send({ name: 'caller', scopes: ['classify'] })
    .expect(201);
  classifyKey = { id: created.body.id, key: created.body.key };
  championId = model.body.id;
}, 90_000);

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  try {
    await postgres?.start(); // so the prediction log can drain and the pool close cleanly
    await app?.close();
    if (runtime) for (const phase of runtime.closePhases()) await phase.run();
  } finally {
    await fake?.close();
    await postgres?.destroy();
  }
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { code?: string; results?: { prediction_id: string }[] };
}

const call = (path: string, key: string, init: { method?: string; body?: unknown } = {}): Promise<Answer> =>
  fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: bearer(key), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  }).then(async (response) => ({
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Answer['body'],
  }));

const classify = (key: string, input: string) =>
  call(`/v1/tasks/${TASK}/classify`, key, { method: 'POST', body: { input } });

/** Calls `once` back to back until stopped; returns every answer. */
function loop(once: () => Promise<Answer>) {
  const answers: Answer[] = [];
  let running = true;
  const done = (async () => {
    while (running) answers.push(await once());
  })();
  const stop = async () => {
    running = false;
    await done;
    return answers;
  };
  return { answers, stop };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves the clock the services read forward, as an outage longer than their caches would; timers stay real. */
function outageOutlastsCaches() {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + PAST_KEY_CACHE_MS);
}

describe('a Postgres outage', () => {
  it('answers 503 on database routes, keeps classify answering, and writes every answered prediction afterwards', async () => {
    // Warm: the key and the route are in memory.
    expect((await classify(classifyKey.key, 'refund please')).status).toBe(200);

    let n = 0;
    const classifiers = Array.from({ length: 4 }, () => loop(() => classify(classifyKey.key, `refund ${n++}`)));
    const databaseReads = loop(async () => {
      const answer = await call(`/v1/tasks/${TASK}`, ADMIN_KEY);
      await sleep(50);
      return answer;
    });
    const duringOutage: Answer[] = [];
    try {
      await sleep(500);
      await postgres.stop();
      outageOutlastsCaches();
      const from = databaseReads.answers.length;
      await sleep(4_000);
      duringOutage.push(...databaseReads.answers.slice(from));
      await postgres.start();
      // Back: the database routes answer again.
      await expect
        .poll(async () => (await call(`/v1/tasks/${TASK}`, ADMIN_KEY)).status, { timeout: 15_000, interval: 100 })
        .toBe(200);
      await sleep(500);
    } finally {
      await databaseReads.stop();
      for (const loader of classifiers) await loader.stop();
    }

    const reads = databaseReads.answers;
    for (const answer of reads.filter((a) => a.status !== 200)) {
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 503, code: 'service_unavailable' });
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    expect(duringOutage.filter((answer) => answer.status === 503).length).toBeGreaterThan(0);

    const answers = classifiers.flatMap((loader) => loader.answers);
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 200: answers.length });

    const ids = answers.flatMap((answer) => answer.body.results!.map((result) => result.prediction_id));
    const stored = async () =>
      (
        await runtime.database.pool.query('SELECT count(*)::int AS n FROM predictions WHERE id = ANY($1::uuid[])', [
          ids,
        ])
      ).rows[0].n as number;
    await expect.poll(stored, { timeout: 20_000, interval: 100 }).toBe(ids.length);
  });

  it('serves a known key while Postgres is down, and stops a key revoked meanwhile (no notice) once it is back', async () => {
    const created = await supertest(app.server)
      .post('/v1/api-keys')
      .set('authorization', admin)
      .send({ name: 'revoked-quietly', scopes: ['classify'] })
      .expect(201);
    const key = created.body.key as string;
    expect((await classify(key, 'refund')).status).toBe(200);
    // Revoked behind the API's back: no change notice reaches the instance's key cache.
    await runtime.database.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [created.body.id]);

    await postgres.stop();
    try {
      outageOutlastsCaches();
      // The cache entry is past its time and cannot be refreshed: the key stays valid meanwhile.
      expect((await classify(key, 'refund during outage')).status).toBe(200);
      // A key this instance never saw cannot be checked: 503, not 401 and not 500.
      const unknown = await classify('tl_unknown_key_0123456789abcdef', 'refund');
      expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 503, code: 'service_unavailable' });
    } finally {
      await postgres.start();
    }
    // The first refresh that reaches the database sees the revocation, within seconds.
    await expect
      .poll(async () => (await classify(key, 'refund after')).status, { timeout: 10_000, interval: 100 })
      .toBe(401);
    // Keys that are still valid keep working.
    expect((await classify(classifyKey.key, 'refund after')).status).toBe(200);
  });

  it('applies a routing change announced while its reload could not reach Postgres, soon after Postgres is back', async () => {
    const challenger = await supertest(app.server)
      .post(`/v1/tasks/${TASK}/model-versions`)
      .set('authorization', admin)
      .send({ kind: 'prompt', provider: 'openai', model: 'gpt-4o-mini', name: 'challenger' })
      .expect(201);
    const servedBy = async () =>
      (await classify(classifyKey.key, 'refund')).body.results?.[0] as { model_version_id: string } | undefined;
    expect((await servedBy())?.model_version_id).toBe(championId);
    // Another instance changed the routing and announced it, but this one could not read it then.
    await runtime.database.pool.query('UPDATE task_routing SET champion_id = $1 WHERE task_id = $2', [
      challenger.body.id,
      taskId,
    ]);
    await postgres.stop();
    try {
      await runtime.redis.publish(
        `${runtime.config.queuePrefix}:changes`,
        JSON.stringify({ topic: 'routing', id: taskId, origin: 'another-instance' }),
      );
      await sleep(300);
      expect((await servedBy())?.model_version_id).toBe(championId); // the route in memory still serves
    } finally {
      await postgres.start();
    }
    // Not at the periodic reload (ROUTING_REFRESH_MS, a minute by default), but within seconds.
    await expect
      .poll(async () => (await servedBy())?.model_version_id, { timeout: 10_000, interval: 100 })
      .toBe(challenger.body.id);
  });
});
