import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { startRun, waitForRun } from './helpers/label-runs.js';
import { metricValue } from './helpers/metrics.js';
import { spawnEntry } from './helpers/processes.js';
import { freePort } from './helpers/redis-server.js';

let fake: OpenAIFake;
let h: Harness;
const auth = bearer(ADMIN_KEY);
beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const scrape = async () => (await h.http().get('/metrics')).text;

describe('operator metrics', () => {
  it('reports jobs per queue and state from Redis', async () => {
    await h.http().post('/v1/maintenance/purge-revoked-keys').set('authorization', auth).expect(202);
    const text = await scrape();
    expect(metricValue(text, 'tuneline_queue_jobs', { queue: 'housekeeping', state: 'waiting' })).toBe(1);
    for (const queue of ['labeling', 'training', 'evaluation', 'pipelines']) {
      expect(metricValue(text, 'tuneline_queue_jobs', { queue, state: 'failed' })).toBe(0);
    }
  });

  it('counts provider calls, tokens, cost, errors and 429s', async () => {
    fake.script({ rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' });
    // One 429 and one 500 first: both are waited out, and both are counted.
    fake.configure({ faults: { statusSequence: [429, 500] } });
    await createTask(h, 'tickets', ['billing', 'other']);
    const version = (
      await upload(
        h,
        '/v1/tasks/tickets/datasets?name=t',
        jsonl([{ text: 'refund me' }, { text: 'hello' }, { text: 'refund again' }]),
      )
    ).body.version.id;
    const workers = await startWorkers(h, ['labeling'], 2);
    try {
      const run = await waitForRun(
        h,
        (
          await startRun(h, version, {
            provider: 'openai',
            model: 'gpt-4o-mini',
            mode: 'zero_shot',
            rate_limit: { rpm: 10_000 },
          })
        ).id,
      );
      expect(run.status).toBe('completed');
      const text = await scrape();
      const labels = { provider: 'openai', model: 'gpt-4o-mini' };
      expect(metricValue(text, 'tuneline_provider_call_duration_seconds_count', { ...labels, outcome: 'ok' })).toBe(3);
      expect(metricValue(text, 'tuneline_provider_rate_limited_total', labels)).toBe(1);
      expect(metricValue(text, 'tuneline_provider_errors_total', { ...labels, code: 'server_error' })).toBe(1);
      expect(metricValue(text, 'tuneline_provider_tokens_total', { ...labels, direction: 'input' })).toBe(
        run.input_tokens,
      );
      expect(metricValue(text, 'tuneline_provider_cost_usd_total', labels)).toBeCloseTo(run.cost_usd, 12);
      expect(
        metricValue(text, 'tuneline_job_duration_seconds_count', { queue: 'labeling', outcome: 'completed' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await workers.close();
    }
  });

  it('serves a worker process’s own metrics on WORKER_METRICS_PORT', async () => {
    const port = await freePort();
    const worker = spawnEntry('src/start/worker.ts', ['--queues', 'housekeeping'], {
      ...h.env,
      LOG_LEVEL: 'info',
      WORKER_METRICS_PORT: String(port),
      HOST: '127.0.0.1',
    });
    try {
      await worker.waitFor('workers started');
      await expect
        .poll(
          async () =>
            metricValue(
              await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
              'tuneline_job_duration_seconds_count',
              { queue: 'housekeeping', outcome: 'completed' },
            ),
          { timeout: 10_000 },
        )
        .toBeGreaterThanOrEqual(1);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain('process="worker"');
    } finally {
      worker.kill('SIGTERM');
      expect(await worker.exited()).toBe(0);
    }
  });
});
