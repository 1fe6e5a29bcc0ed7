import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classifyOverHttp, registerModel, route, untilUpstreamSees } from './helpers/classify.js';
import { createTask, jsonl, ticketRows, upload } from './helpers/datasets.js';
import { getPipeline, stepOf } from './helpers/pipelines.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { getRun, startRun, waitForRun } from './helpers/label-runs.js';
import { spawnEntry, type Spawned } from './helpers/processes.js';
import { freePort, startRedisServer, type TestRedisServer } from './helpers/redis-server.js';

/**
 * Reliability drills with real processes, Postgres and Redis: a Redis that dies mid-run, an API
 * stopped with SIGTERM under load, a pipeline whose worker is killed. Nothing may be lost or done twice.
 */
let fake: OpenAIFake;
let redis: TestRedisServer;
let redisDir: string;
let h: Harness;
const processes: Spawned[] = [];
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake();
  fake.script({ rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' });
  // Redis as production should run it for BullMQ: with an append-only file, so a restart keeps the queues.
  redisDir = mkdtempSync(join(tmpdir(), 'tuneline-redis-'));
  redis = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir]);
  h = await createHarness({
    REDIS_URL: redis.url,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    JOB_LOCK_MS: '2000',
  });
  await createTask(h, 'tickets', ['billing', 'other']);
});
afterAll(async () => {
  for (const child of processes) child.kill('SIGKILL');
  await h?.close();
  await redis?.stop();
  await fake?.close();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

function spawn(entry: string, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawnEntry(entry, args, { ...h.env, LOG_LEVEL: 'info', ...env });
  processes.push(child);
  return child;
}

/** For a drill that timed out: the pipeline, its queues' jobs, the fine-tunes and the workers' logs. */
async function whereItStands(pipeline: unknown, workers: Spawned[]): Promise<string> {
  const jobs: Record<string, unknown> = {};
  for (const name of ['pipelines', 'training', 'evaluation'] as const) {
    const listed = await h.runtime.queues
      .get(name)
      .getJobs(['active', 'waiting', 'delayed', 'waiting-children', 'failed', 'prioritized', 'completed']);
    jobs[name] = await Promise.all(
      listed.map(async (job) => ({
        id: job.id,
        state: await job.getState(),
        stalled: job.stalledCounter,
        failed: job.failedReason,
      })),
    );
  }
  const fineTunes = (await h.runtime.database.pool.query('SELECT id, status, created_at FROM fine_tunes')).rows;
  const logs = workers.map((worker, index) => `worker ${index + 1}:\n${worker.output()}`).join('\n');
  return `pipeline: ${JSON.stringify(pipeline)}\njobs: ${JSON.stringify(jobs)}\nfine-tunes: ${JSON.stringify(fineTunes)}\n${logs}`;
}

describe('drills', () => {
  it('completes a labeling run, each example once, when Redis restarts in the middle of it', async () => {
    fake.configure({ faults: { latencyMs: 40 } });
    const rows = Array.from({ length: 100 }, (_, i) => ({ text: `${i % 3 ? 'hello' : 'refund'} ticket ${i}` }));
    const version = (await upload(h, '/v1/tasks/tickets/datasets?name=redis-drill', jsonl(rows))).body.version.id;
    const worker = spawn('src/start/worker.ts', ['--queues', 'labeling', '--concurrency', '2']);
    await worker.waitFor('workers started');
    const run = await startRun(h, version, {
      provider: 'openai',
      mode: 'zero_shot',
      rate_limit: { rpm: 100_000, tpm: 10_000_000 },
    });
    await expect
      .poll(async () => (await getRun(h, run.id)).done, { timeout: 15_000, interval: 50 })
      .toBeGreaterThan(10);

    await redis.stop(); // SIGKILL: no goodbye to its clients
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.start();

    const finished = await waitForRun(h, run.id, 60_000);
    expect(finished).toMatchObject({ status: 'completed', total: 100, done: 100, labeled: 100 });
    const results = await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT example_id)::int AS distinct FROM label_results WHERE run_id = $1',
      [run.id],
    );
    expect(results.rows[0]).toEqual({ n: 100, distinct: 100 });
    worker.kill('SIGTERM');
    expect(await worker.exited()).toBe(0);
    fake.configure({ faults: { latencyMs: 0 } });
  }, 90_000);

  /** Starts the API as its own process, fires `count` classify requests, sends SIGTERM once it is busy with them. */
  async function classifyThroughSigterm(count: number, env: Record<string, string>) {
    const port = await freePort();
    const api = spawn('src/start/server.ts', [], { PORT: String(port), HOST: '127.0.0.1', ...env });
    await api.waitFor('Server listening');
    const burst = `sigterm-${Date.now()}`;
    const send = (i: number) =>
      classifyOverHttp(`http://127.0.0.1:${port}`, 'tickets', { input: `refund ${burst} ${i}` });
    await send(-1); // the route is in memory before the load starts
    const load = Array.from({ length: count }, (_, i) => send(i));
    await untilUpstreamSees(fake, burst, 10);
    api.kill('SIGTERM');
    const readiness = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((response) => response.status)
      .catch(() => 0);
    const responses = await Promise.all(load);
    expect(await api.exited()).toBe(0);
    const answered = responses.filter((response) => response.status === 200);
    const ids = answered.map((response) => response.body.results![0]!.prediction_id);
    const stored = await h.runtime.database.pool.query(
      "SELECT id FROM predictions WHERE input_text LIKE $1 AND input_text NOT LIKE '% -1'",
      [`%${burst}%`],
    );
    return { responses, answered, ids, storedIds: stored.rows.map((row: { id: string }) => row.id), readiness };
  }

  it('answers every request it took and records every prediction when the API gets SIGTERM under classify load', async () => {
    const champion = await registerModel(h, 'tickets', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4o-mini',
      name: 'hosted',
    });
    const fallback = await registerModel(h, 'tickets', { kind: 'prompt', provider: 'local', name: 'local' });
    await route(h, 'tickets', { champion, fallback });
    fake.configure({ faults: { latencyMs: 30 } });
    const { responses, answered, ids, storedIds } = await classifyThroughSigterm(200, {});
    expect(answered.length).toBeGreaterThan(0);
    for (const response of responses) expect([0, 200, 503]).toContain(response.status);
    // Every answer has its record, and nothing was recorded that was not answered.
    expect(storedIds.sort()).toEqual(ids.sort());

    // With a drain period the API reports not ready and keeps serving: the whole load is answered.
    const drained = await classifyThroughSigterm(200, { SHUTDOWN_DRAIN_MS: '2000' });
    fake.configure({ faults: { latencyMs: 0 } });
    expect(drained.readiness).toBe(503);
    expect(drained.responses.map((response) => response.status)).toEqual(Array(200).fill(200));
    expect(drained.storedIds.sort()).toEqual(drained.ids.sort());
  }, 90_000);

  it('finishes a pipeline when its worker is killed with SIGKILL in the middle', async () => {
    const rows = ticketRows(160);
    const version = (await upload(h, '/v1/tasks/tickets/datasets?name=pipeline-drill', jsonl(rows))).body.version.id;
    const queues = ['pipelines,training,evaluation', '--concurrency', '2'];
    const first = spawn('src/start/worker.ts', ['--queues', ...queues]);
    await first.waitFor('workers started');
    const created = await h
      .http()
      .post('/v1/tasks/tickets/pipelines')
      .set('authorization', auth)
      .send({ dataset_version_id: version, candidates: [{ provider: 'local', seed: 3 }] });
    expect(created.status).toBe(202);
    const stateOf = () => getPipeline(h, created.body.id);
    await expect
      .poll(async () => stepOf(await stateOf(), 'prepare').status, { timeout: 20_000, interval: 50 })
      .toBe('completed');
    first.kill('SIGKILL');
    await first.exited();

    const second = spawn('src/start/worker.ts', ['--queues', ...queues]);
    await expect
      .poll(async () => (await stateOf()).status, { timeout: 100_000, interval: 200 })
      .toBe('completed')
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await whereItStands(await stateOf(), [first, second])}`);
      });
    const done = await stateOf();
    expect(done.steps.map((step: { status: string }) => step.status)).toEqual([
      'skipped',
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    // One fine-tune and one evaluation per model, however the steps were interrupted.
    const fineTunes = await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n FROM fine_tunes WHERE dataset_version_id = $1',
      [stepOf(done, 'prepare').outputs['version_id']],
    );
    expect(fineTunes.rows[0].n).toBe(1);
  }, 120_000);
});
