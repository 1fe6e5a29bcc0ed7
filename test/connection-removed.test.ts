import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/lib/logger.js';
import { openRuntime, type Runtime } from '../src/start/runtime.js';
import { startWorkers as startWorkersOn } from '../src/start/worker.js';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { registerModel } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { startRun, waitForRun } from './helpers/label-runs.js';
import { createFineTune, splitDataset, waitForFineTune } from './helpers/training.js';

/**
 * Work accepted on a connection that the deployment then lost: it restarted with a connections
 * file without the connection, or without the key variable one names. The workers of the new
 * configuration fail the work once, saying what to do, instead of retrying it for ever.
 */
let fake: OpenAIFake;
let h: Harness;
let restarted: Runtime | undefined;
let workers: { close(): Promise<void> } | undefined;
let version: string;
const auth = bearer(ADMIN_KEY);
const dir = mkdtempSync(join(tmpdir(), 'tuneline-removed-'));

const connectionsFile = (connections: unknown[]): string => {
  const path = join(dir, `connections-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ connections }));
  return path;
};

beforeAll(async () => {
  fake = await startOpenAIFake({
    script: { rules: [{ contains: 'how to', answer: 'instructional' }], default: 'other' },
  });
  const keyed = { name: 'keyed', kind: 'openai-compatible', base_url: fake.url, api_key_env: 'KEYED_KEY' };
  // The API accepts the work with every connection; no worker runs yet.
  h = await createHarness({
    PROVIDER_CONNECTIONS_FILE: connectionsFile([
      { name: 'lab', kind: 'openai-compatible', base_url: fake.url },
      { name: 'trainer', kind: 'openai-compatible', base_url: fake.url, fine_tuning: true },
      keyed,
    ]),
    KEYED_KEY: 'keyed-secret-0123456789',
  });
  version = await splitDataset(h, 'titles');
});
afterAll(async () => {
  await workers?.close();
  if (restarted) for (const phase of restarted.closePhases()) await phase.run();
  await h?.close();
  await fake?.close();
});

/** The deployment restarted: only `keyed` is left in the file, and its key variable is unset. */
async function restartWorkersWithout(): Promise<void> {
  const config = loadConfig({
    ...h.env,
    PROVIDER_CONNECTIONS_FILE: connectionsFile([
      { name: 'keyed', kind: 'openai-compatible', base_url: fake.url, api_key_env: 'KEYED_KEY' },
    ]),
    KEYED_KEY: '',
  });
  restarted = await openRuntime(config, createLogger({ level: 'silent', name: 'restarted' }), 'worker');
  workers = await startWorkersOn(restarted, { queueNames: ['labeling', 'training', 'evaluation'], concurrency: 2 });
}

describe('work on a connection the deployment no longer has', () => {
  it('fails label runs, fine-tunes and evaluations with a plain error, once, without calling anything', async () => {
    const removedRun = await startRun(h, version, {
      provider: 'lab',
      model: 'gpt-4o-mini',
      mode: 'zero_shot',
      only_unlabeled: false,
    });
    const keylessRun = await startRun(h, version, {
      provider: 'keyed',
      model: 'gpt-4o-mini',
      mode: 'zero_shot',
      only_unlabeled: false,
    });
    const fineTune = await createFineTune(h, 'titles', { dataset_version_id: version, provider: 'trainer' });
    expect(fineTune.status, JSON.stringify(fineTune.body)).toBe(202);
    const model = await registerModel(h, 'titles', { kind: 'prompt', provider: 'lab', name: 'lab-prompt' });
    const evaluation = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model, dataset_version_id: version });
    expect(evaluation.status, JSON.stringify(evaluation.body)).toBe(202);
    const before = fake.requests.length;

    await restartWorkersWithout();

    const removed = await waitForRun(h, removedRun.id);
    expect(removed).toMatchObject({
      status: 'failed',
      error: {
        code: 'unknown_provider',
        message:
          'the connection "lab" is no longer configured in this deployment; add it back to PROVIDER_CONNECTIONS_FILE or start a new label run on another connection',
      },
    });
    const keyless = await waitForRun(h, keylessRun.id);
    expect(keyless).toMatchObject({ status: 'failed', error: { code: 'provider_not_configured' } });
    expect((keyless['error'] as { message: string }).message).toBe(
      'the connection "keyed" is not configured in this deployment (set KEYED_KEY); configure it and start a new label run, or start one on another connection',
    );

    const trained = await waitForFineTune(h, fineTune.body.id);
    expect(trained).toMatchObject({
      status: 'failed',
      error: {
        code: 'unknown_provider',
        message: expect.stringContaining('the connection "trainer" is no longer configured in this deployment'),
      },
    });

    let evaluated: Record<string, unknown> = {};
    await expect
      .poll(
        async () => {
          evaluated = (await h.http().get(`/v1/evaluations/${evaluation.body.id}`).set('authorization', auth)).body;
          return evaluated['status'];
        },
        { timeout: 15_000, interval: 100 },
      )
      .toMatch(/completed|failed/);
    expect(evaluated).toMatchObject({
      status: 'failed',
      error: { code: 'unknown_provider', message: expect.stringContaining('start a new evaluation') },
    });

    // Failed once: no retries reached the server, and the runs stay failed.
    expect(fake.requests.length).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await waitForRun(h, removedRun.id)).status).toBe('failed');
  });
});
