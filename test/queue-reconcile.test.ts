import { UnrecoverableError, Worker } from 'bullmq';
import type { QueueName } from '../src/queues/queue-registry.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, jsonl, ticketRows, upload } from './helpers/datasets.js';
import { getRun, waitForRun } from './helpers/label-runs.js';
import { getPipeline, stepOf } from './helpers/pipelines.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { createFineTune, getFineTune, splitDataset } from './helpers/training.js';

/**
 * A job that BullMQ fails by itself (it does so to a job that stalled more often than allowed)
 * never reports to the record waiting on it. The workers' resume chores notice and fail the
 * pipeline, fine-tune, label run or evaluation with the queue's reason instead of leaving it running for ever. A worker
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
async function failFirstJob(queue: QueueName): Promise<void> {
  const failing = new Worker(
    queue,
    async () => {
      throw new UnrecoverableError(STALLED);
    },
    { connection: h.runtime.redis, prefix: h.runtime.config.queuePrefix },
  );
  await expect
    .poll(async () => (await h.runtime.queues.get(queue).getJobCounts('failed')).failed, {
      timeout: 10_000,
      interval: 50,
    })
    .toBeGreaterThan(0);
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
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'job_failed', message: `its start job failed in the queue: ${STALLED}` },
    });
    expect(await h.runtime.services.fineTunes.resumeActive()).toBe(0);
  });
});

describe('a pipeline whose step job failed in the queue', () => {
  it('is failed at that step with the queue’s reason by the resume chore, and a retry completes it', async () => {
    const rows = ticketRows(120);
    const version = (await upload(h, '/v1/tasks/tickets/datasets?name=reconcile', jsonl(rows))).body.version.id;
    const created = await h
      .http()
      .post('/v1/tasks/tickets/pipelines')
      .set('authorization', auth)
      .send({ dataset_version_id: version, candidates: [{ provider: 'local' }] });
    expect(created.status).toBe(202);

    await failFirstJob('pipelines');
    const stateOf = () => getPipeline(h, created.body.id);
    expect((await stateOf()).status).toBe('running');

    expect(await h.runtime.services.pipelines.resumeActive()).toBe(1);
    const failed = await stateOf();
    expect(failed.status).toBe('failed');
    expect(failed.steps.map((step: { status: string }) => step.status)).toEqual([
      'skipped',
      'failed',
      'blocked',
      'blocked',
      'blocked',
    ]);
    expect(stepOf(failed, 'prepare').error).toBe(`its job failed in the queue: ${STALLED}`);
    expect(failed.error).toBe(`prepare: its job failed in the queue: ${STALLED}`);
    expect(await h.runtime.services.pipelines.resumeActive()).toBe(0);

    const workers = await startWorkers(h, ['pipelines', 'training', 'evaluation'], 2);
    try {
      expect((await h.http().post(`/v1/pipelines/${created.body.id}/retry`).set('authorization', auth)).status).toBe(
        202,
      );
      await expect.poll(async () => (await stateOf()).status, { timeout: 60_000, interval: 100 }).toBe('completed');
    } finally {
      await workers.close();
    }
  }, 90_000);
});

describe('a label run whose chunk job failed in the queue', () => {
  it('is failed with the queue’s reason by the resume chore, and a retry labels the rest exactly once', async () => {
    const labeled = ticketRows(20);
    const unlabeled = Array.from({ length: 30 }, (_, i) => ({
      text: `${i % 2 ? 'refund please' : 'hello there'} ticket ${i}`,
    }));
    const version = (await upload(h, '/v1/tasks/tickets/datasets?name=labels', jsonl([...labeled, ...unlabeled]))).body
      .version.id;
    const created = await h
      .http()
      .post(`/v1/dataset-versions/${version}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'local', mode: 'few_shot', k: 8 });
    expect(created.status).toBe(202);
    expect(created.body.total).toBe(30); // two chunk jobs: 25 + 5

    await failFirstJob('labeling');
    expect((await getRun(h, created.body.id)).status).toBe('queued');
    expect(await h.runtime.services.labelRuns.resumeActive()).toBe(1);
    const failed = await getRun(h, created.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'job_failed',
      message: expect.stringMatching(
        new RegExp(`^its chunk job label-${created.body.id}-(0|25) failed in the queue: ${STALLED}$`),
      ),
    });
    expect(await h.runtime.services.labelRuns.resumeActive()).toBe(0);

    const retried = await h.http().post(`/v1/label-runs/${created.body.id}/retry`).set('authorization', auth);
    expect(retried.status).toBe(202);
    const again = await h.http().post(`/v1/label-runs/${created.body.id}/retry`).set('authorization', auth);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'not_failed', details: { resource: 'label run', status: 'queued' } });

    const workers = await startWorkers(h, ['labeling'], 2);
    try {
      const done = await waitForRun(h, created.body.id);
      expect(done).toMatchObject({ status: 'completed', done: 30, labeled: 30, failed: 0, error: null });
      const results = (
        await h.http().get(`/v1/label-runs/${created.body.id}/results?limit=100`).set('authorization', auth)
      ).body.data;
      expect(new Set(results.map((result: { example_id: string }) => result.example_id)).size).toBe(30);
      expect(results).toHaveLength(30);
    } finally {
      await workers.close();
    }
  }, 60_000);
});

describe('an evaluation whose chunk job failed in the queue', () => {
  it('is failed with the queue’s reason by the resume chore, and a retry scores the rest exactly once', async () => {
    const version = await splitDataset(h, 'evals', 200);
    const model = await h
      .http()
      .post('/v1/tasks/evals/model-versions')
      .set('authorization', auth)
      .send({ kind: 'prompt', provider: 'local' });
    expect(model.status).toBe(201);
    const created = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model.body.id, dataset_version_id: version });
    expect(created.status).toBe(202);
    expect(created.body.total).toBeGreaterThan(25); // at least two chunk jobs
    const stateOf = async () =>
      (await h.http().get(`/v1/evaluations/${created.body.id}`).set('authorization', auth)).body;

    await failFirstJob('evaluation');
    expect((await stateOf()).status).toBe('queued');
    expect(await h.runtime.services.evaluations.resumeActive()).toBe(1);
    const failed = await stateOf();
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'job_failed',
      message: expect.stringContaining(`failed in the queue: ${STALLED}`),
    });
    expect(await h.runtime.services.evaluations.resumeActive()).toBe(0);

    expect((await h.http().post(`/v1/evaluations/${created.body.id}/retry`).set('authorization', auth)).status).toBe(
      202,
    );
    const workers = await startWorkers(h, ['evaluation'], 2);
    try {
      await expect.poll(async () => (await stateOf()).status, { timeout: 30_000, interval: 100 }).toBe('completed');
      const rows = (await h.http().get(`/v1/evaluations/${created.body.id}/predictions`).set('authorization', auth))
        .body.data;
      expect(rows).toHaveLength(created.body.total);
      expect(new Set(rows.map((row: { seq: number }) => row.seq)).size).toBe(created.body.total);
    } finally {
      await workers.close();
    }
  }, 60_000);
});
