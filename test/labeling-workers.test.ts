import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { getRun, startRun, waitForRun } from './helpers/label-runs.js';
import { spawnEntry, type Spawned } from './helpers/processes.js';

let fake: OpenAIFake;
let h: Harness;
const workers: Spawned[] = [];

beforeAll(async () => {
  fake = await startOpenAIFake();
  fake.script({ rules: [{ contains: 'even', answer: 'even' }], default: 'odd' });
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, JOB_LOCK_MS: '2000' });
  await createTask(h, 'parity', ['even', 'odd']);
});
afterAll(async () => {
  for (const worker of workers) worker.kill();
  await h?.close();
  await fake?.close();
});

function startWorker(): Spawned {
  const worker = spawnEntry('src/start/worker.ts', ['--queues', 'labeling', '--concurrency', '4'], {
    ...h.env,
    LOG_LEVEL: 'info',
  });
  workers.push(worker);
  return worker;
}

async function dataset(name: string, size: number) {
  const rows = Array.from({ length: size }, (_, i) => ({ text: `ticket number ${i} is ${i % 2 ? 'odd' : 'even'}` }));
  return (await upload(h, `/v1/tasks/parity/datasets?name=${name}`, jsonl(rows))).body.version.id as string;
}

const chatRequests = () =>
  fake.requests.filter((request) => request.path === '/v1/chat/completions' && request.status === 200);

describe('labeling across worker processes', () => {
  it('holds one rate limit across two worker processes', async () => {
    const a = startWorker();
    const b = startWorker();
    await Promise.all([a.waitFor('workers started'), b.waitFor('workers started')]);
    fake.requests.length = 0;
    const version = await dataset('shared-limit', 30);
    // 60 requests a minute: 9 per 10-second window with 5 % headroom, for both processes together.
    const run = await startRun(h, version, { provider: 'openai', mode: 'zero_shot', rate_limit: { rpm: 60 } });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(chatRequests().length).toBeGreaterThan(0);
    expect(chatRequests().length).toBeLessThanOrEqual(9);
    await h.http().post(`/v1/label-runs/${run.id}/cancel`).set('authorization', `Bearer ${h.env['ADMIN_API_KEY']}`);
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await a.exited()).toBe(0);
    expect(await b.exited()).toBe(0);
  });

  it('labels every example exactly once when a worker is killed with SIGKILL mid-run', async () => {
    fake.configure({ faults: { latencyMs: 40 } });
    fake.requests.length = 0;
    const version = await dataset('killed', 120);
    const first = startWorker();
    await first.waitFor('workers started');
    const run = await startRun(h, version, {
      provider: 'openai',
      mode: 'zero_shot',
      rate_limit: { rpm: 100_000, tpm: 10_000_000 },
    });
    await expect
      .poll(async () => (await getRun(h, run.id)).done, { timeout: 15_000, interval: 50 })
      .toBeGreaterThan(20);
    first.kill('SIGKILL');
    expect(await first.exited()).toBeNull(); // killed by the signal, no exit code
    const before = (await getRun(h, run.id)).done;
    expect(before).toBeLessThan(120);

    const second = startWorker();
    const finished = await waitForRun(h, run.id, 60_000);
    expect(finished).toMatchObject({ status: 'completed', total: 120, done: 120, labeled: 120, failed: 0 });
    const results = await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT example_id)::int AS distinct FROM label_results WHERE run_id = $1',
      [run.id],
    );
    expect(results.rows[0]).toEqual({ n: 120, distinct: 120 });
    // Only requests in flight at the kill can have been sent twice.
    expect(chatRequests().length).toBeLessThanOrEqual(120 + 4);
    second.kill('SIGTERM');
    await second.exited();
  });
});
