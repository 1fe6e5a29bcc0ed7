import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, registerModel, route, storedPredictions } from './helpers/classify.js';
import { createTask } from './helpers/datasets.js';
import { createHarness, type Harness } from './helpers/harness.js';

/**
 * The prediction log as the API runs it, with Postgres unable to take its writes: a session holds
 * an exclusive lock on the predictions table, so every INSERT waits. Readiness must say so, and
 * shutdown must keep what it could not write.
 */
let h: Harness;
let spillDir: string;
let closed = false;

beforeAll(async () => {
  spillDir = await mkdtemp(join(tmpdir(), 'tuneline-spill-'));
  h = await createHarness({
    PREDICTION_LOG_BUFFER: '3',
    PREDICTION_LOG_FLUSH_MS: '10',
    PREDICTION_LOG_STALL_MS: '300',
    PREDICTION_LOG_SPILL_DIR: spillDir,
    SHUTDOWN_TIMEOUT_MS: '500',
  });
  await createTask(h, 'topics', ['sport', 'other']);
  const local = await registerModel(h, 'topics', { kind: 'prompt', provider: 'local', name: 'local' });
  await route(h, 'topics', { champion: local });
});
afterAll(async () => {
  if (!closed) await h?.close();
  await rm(spillDir, { recursive: true, force: true });
});

/** Holds an exclusive lock on the predictions table until released. */
async function lockPredictions() {
  const client = new pg.Client({ connectionString: h.env.DATABASE_URL });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

const predictionIds = (response: { body: { results: { prediction_id: string }[] } }) =>
  response.body.results.map((r) => r.prediction_id);
const ready = () => h.http().get('/health/ready');

async function unwrittenIds(): Promise<string[]> {
  const files = (await readdir(spillDir)).filter((name) => name.startsWith('prediction-log-unwritten-'));
  const lines = (await Promise.all(files.map((name) => readFile(join(spillDir, name), 'utf8'))))
    .join('')
    .split('\n')
    .filter(Boolean);
  return lines.map((line) => (JSON.parse(line) as { id: string }).id);
}

describe('prediction log in the API', () => {
  it('makes /health/ready answer 503 naming prediction_log when writes stall or the buffer is full', {
    timeout: 20_000,
  }, async () => {
    expect((await ready()).body.checks.prediction_log).toEqual({ status: 'up', buffered: 0 });
    const release = await lockPredictions();
    try {
      const first = await classify(h, 'topics', { input: 'cup final' });
      expect(first.status).toBe(200);
      await expect.poll(async () => (await ready()).status, { timeout: 5_000 }).toBe(503);
      const stalled = await ready();
      expect(stalled.headers['content-type']).toContain('application/problem+json');
      expect(stalled.body.details.down).toEqual(['prediction_log']);
      expect(stalled.body.details.checks.prediction_log).toMatchObject({
        status: 'down',
        buffered: 1,
        error: expect.stringContaining('no write for'),
      });

      const more = await classify(h, 'topics', { inputs: ['derby', 'weather'] });
      expect(more.status).toBe(200);
      const full = await ready();
      expect(full.status).toBe(503);
      expect(full.body.detail).toContain('prediction_log cannot write (buffer full');

      await release();
      await expect.poll(async () => (await ready()).status, { timeout: 5_000 }).toBe(200);
      expect(await storedPredictions(h, [...predictionIds(first), ...predictionIds(more)])).toBe(3);
    } finally {
      await release().catch(() => undefined);
    }
  });

  it('spills the records it could not write by shutdown to a file instead of dropping them', {
    timeout: 20_000,
  }, async () => {
    const release = await lockPredictions();
    const answered = await classify(h, 'topics', { inputs: ['semi final', 'rain'] });
    expect(answered.status).toBe(200);
    // The harness runs the runtime's close phases, as SIGTERM does after the HTTP phase.
    const closing = h.close();
    closed = true;
    await expect.poll(unwrittenIds, { timeout: 10_000 }).toEqual(expect.arrayContaining(predictionIds(answered)));
    await release();
    await closing;
  });
});
