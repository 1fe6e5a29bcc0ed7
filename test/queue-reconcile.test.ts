import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, jsonl, ticketRows, upload } from './helpers/datasets.js';
import { getPipeline, stepOf } from './helpers/pipelines.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { createFineTune, getFineTune, splitDataset } from './helpers/training.js';

/**
 * A job that BullMQ fails by itself (it does so to a job that stalled more often than allowed)
 * never reports to the record waiting on it. The workers' resume chores notice and fail the
 * pipeline or fine-tune with the queue's reason instead of leaving it running for ever. A worker
 * that throws UnrecoverableError stands in for BullMQ's stall check.
 */
const STALLED = 'job stalled more than allowable limit';
let h: Harness;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  h = await createHarness();
  await createTask(h, 'tickets', ['billing', 'other']);
});
afterAll(async () => {
  await h?.close();
});

/** Fails the next job of `queue` without running it, as BullMQ's stall check would. */
async function failFirstJob(queue: 'pipelines' | 'training'): Promise<void> {
  const failing = new Worker(
    queue,
    async () => {
      throw new UnrecoverableError(STALLED);
    },
    { connection: h.runtime.redis, prefix: h.runtime.config.queuePrefix },
  );
  await expect.poll(async () => (await h.runtime.queues.get(queue).getJobCounts('failed')).failed, { timeout: 10_000, interval: 50 }).toBeGreaterThan(0);
  await failing.close();
}

describe('a fine-tune whose job failed in the queue', () => {
  it('is failed with the queue’s reason by the resume chore', async () => {
    const version = await splitDataset(h, 'titles', 60);
    const created = await createFineTune(h, 'titles', { dataset_version_id: version, provider: 'local' });
    expect(created.status).toBe(202);
    await failFirstJob('training');
    expect((await getFineTune(h, created.body.id)).status).toBe('pending');

    expect(await h.runtime.services.fineTunes.resumeActive()).toBe(1);
    const failed = await getFineTune(h, created.body.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'job_failed', message: `its start job failed in the queue: ${STALLED}` } });
    expect(await h.runtime.services.fineTunes.resumeActive()).toBe(0);
  });
});

describe('a pipeline whose step job failed in the queue', () => {
  it('is failed at that step with the queue’s reason by the resume chore, and a retry completes it', async () => {
    const rows = ticketRows(120);
    const version = (await upload(h, '/v1/tasks/tickets/datasets?name=reconcile', jsonl(rows))).body.version.id;
    const created = await h.http().post('/v1/tasks/tickets/pipelines').set('authorization', auth).send({ dataset_version_id: version, candidates: [{ provider: 'local' }] });
    expect(created.status).toBe(202);

    await failFirstJob('pipelines');
    const stateOf = () => getPipeline(h, created.body.id);
    expect((await stateOf()).status).toBe('running');

    expect(await h.runtime.services.pipelines.resumeActive()).toBe(1);
    const failed = await stateOf();
    expect(failed.status).toBe('failed');
    expect(failed.steps.map((step: { status: string }) => step.status)).toEqual(['skipped', 'failed', 'blocked', 'blocked', 'blocked']);
    expect(stepOf(failed, 'prepare').error).toBe(`its job failed in the queue: ${STALLED}`);
    expect(failed.error).toBe(`prepare: its job failed in the queue: ${STALLED}`);
    expect(await h.runtime.services.pipelines.resumeActive()).toBe(0);

    const workers = await startWorkers(h, ['pipelines', 'training', 'evaluation'], 2);
    try {
      expect((await h.http().post(`/v1/pipelines/${created.body.id}/retry`).set('authorization', auth)).status).toBe(202);
      await expect.poll(async () => (await stateOf()).status, { timeout: 60_000, interval: 100 }).toBe('completed');
    } finally {
      await workers.close();
    }
  }, 90_000);
});
