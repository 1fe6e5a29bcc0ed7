import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { spawnEntry, type Spawned } from './helpers/processes.js';
import type { ResponseJson } from './helpers/response-json.js';
import { splitDataset } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let version: string;
const workers: Spawned[] = [];
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, JOB_LOCK_MS: '2000' });
  version = await splitDataset(h, 'titles', 800);
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  for (const worker of workers) worker.kill();
  await h?.close();
  await fake?.close();
});

function startWorker(): Spawned {
  const worker = spawnEntry('src/start/worker.ts', ['--queues', 'evaluation', '--concurrency', '4'], {
    ...h.env,
    LOG_LEVEL: 'info',
  });
  workers.push(worker);
  return worker;
}

const register = async (model: string) =>
  (
    await h
      .http()
      .post('/v1/tasks/titles/model-versions')
      .set('authorization', auth)
      .send({ kind: 'prompt', provider: 'openai', model })
  ).body as {
    id: string;
  };

const evaluation = async (id: string) =>
  (await h.http().get(`/v1/evaluations/${id}`).set('authorization', auth)).body as ResponseJson;

describe('evaluating hosted models', () => {
  it('scores every row exactly once when a worker is killed with SIGKILL mid-run', async () => {
    fake.script({
      rules: [
        { contains: 'how to', answer: 'instructional' },
        { contains: 'tutorial', answer: 'instructional' },
      ],
      default: 'other',
    });
    fake.configure({ faults: { latencyMs: 40 } });
    const model = await register('gpt-4o-mini');
    const first = startWorker();
    await first.waitFor('workers started');
    const created = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model.id, dataset_version_id: version });
    expect(created.body.total).toBe(120);
    await expect
      .poll(async () => (await evaluation(created.body.id)).answered, { timeout: 15_000, interval: 50 })
      .toBeGreaterThan(20);
    first.kill('SIGKILL');
    await first.exited();
    expect((await evaluation(created.body.id)).answered).toBeLessThan(120);

    const second = startWorker();
    await expect
      .poll(async () => (await evaluation(created.body.id)).status, { timeout: 60_000, interval: 100 })
      .toBe('completed');
    const rows = await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct FROM evaluation_predictions WHERE evaluation_id = $1',
      [created.body.id],
    );
    expect(rows.rows[0]).toEqual({ n: 120, distinct: 120 });
    const done = await evaluation(created.body.id);
    expect(done.metrics.rows).toBe(120);
    expect(done.metrics.usage.cost_per_1000).toBeGreaterThan(0);
    second.kill('SIGTERM');
    await second.exited();
  });

  it('retires a model past its shutdown date; it can never be champion', async () => {
    // Registered while it served (Tuneline's own table has no date for it); then the provider's
    // GET /models says it has shut down. (A model already past its date cannot be registered.)
    const model = await register('gpt-4.1-nano');
    fake.configure({ models: { shutdownDates: { 'gpt-4.1-nano': '2026-10-23' } } });
    const worker = startWorker();
    await worker.waitFor('workers started');
    const created = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model.id, dataset_version_id: version });
    await expect
      .poll(async () => (await evaluation(created.body.id)).status, { timeout: 15_000, interval: 100 })
      .toBe('failed');
    expect((await evaluation(created.body.id)).error).toMatchObject({
      code: 'model_retired',
      message: 'past its shutdown date 2026-10-23',
    });
    const retired = (await h.http().get(`/v1/model-versions/${model.id}`).set('authorization', auth)).body;
    expect(retired).toMatchObject({ status: 'retired' });
    const promote = await h
      .http()
      .post('/v1/tasks/titles/routing/promote')
      .set('authorization', auth)
      .send({ model_version_id: model.id, reason: 'x' });
    expect(promote.status).toBe(409);
    const history = await h.http().get('/v1/tasks/titles/routing/history').set('authorization', auth);
    expect(history.body.data[0]).toMatchObject({
      action: 'retire',
      from_model_id: model.id,
      reason: 'past its shutdown date 2026-10-23',
    });
    worker.kill('SIGTERM');
    await worker.exited();
  });
});
