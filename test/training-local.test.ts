import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEventStream } from './helpers/event-stream.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { newId } from '../src/domain/ids.js';
import type { ResponseJson } from './helpers/response-json.js';
import {
  createFineTune,
  modelVersionsOf,
  splitDataset,
  waitForAutoEvaluation,
  waitForFineTune,
} from './helpers/training.js';

let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  h = await createHarness();
  workers = await startWorkers(h, ['training', 'evaluation'], 2);
  version = await splitDataset(h, 'titles', 300);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
});

describe('the local trainer', () => {
  it('trains in a worker thread, records epochs and the curve, stores the model in Postgres and evaluates it', async () => {
    const created = await createFineTune(h, 'titles', { dataset_version_id: version, provider: 'local', seed: 7 });
    expect(created.status).toBe(202);
    // Watched from the start: the stream lasts until the run ends and its evaluation is decided.
    const watching = h
      .http()
      .get(`/v1/fine-tunes/${created.body.id}/stream`)
      .set('authorization', auth)
      .then((r) => r);
    const done = await waitForFineTune(h, created.body.id, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', provider: 'local', base_model: 'local-linear', cost_usd: 0 });
    const streamed = await watching;
    expect(streamed.headers['content-type']).toContain('text/event-stream');
    const { events } = parseEventStream(streamed.text);
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { id: created.body.id } });
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { id: created.body.id, status: 'succeeded' } });
    const changes = events.slice(1, -1);
    expect(changes.some((event) => event.event === 'status' && event.data['status'] === 'succeeded')).toBe(true);
    for (const event of changes) expect(event.data).not.toHaveProperty('dataset_version_id');
    const streamedFinal = Object.assign({}, events[0]!.data, ...changes.map((event) => event.data));
    expect(streamedFinal['auto_evaluation']).not.toBeNull();
    expect(streamedFinal['model_version_id']).toBe(done.model_version_id);
    expect(done.timeline.map((step: { status: string }) => step.status)).toEqual(['pending', 'running', 'succeeded']);
    expect(done.curve.length).toBeGreaterThan(0);
    expect(done.events.length).toBe(done.curve.length);
    expect(done.events.at(-1).message).toMatch(/^Epoch 1\//);
    expect(done.summary).toMatchObject({ train_examples: 210, validation_examples: 45 });

    const model = (await h.http().get(`/v1/model-versions/${done.model_version_id}`).set('authorization', auth)).body;
    expect(model).toMatchObject({
      kind: 'local_trained',
      provider: 'local',
      model: 'local-linear',
      training_cost_usd: 0,
    });
    expect(model.artifact_bytes).toBeGreaterThan(1_000);

    let evaluation: ResponseJson | undefined;
    await expect
      .poll(
        async () => {
          const id = (
            await h.runtime.database.pool.query('SELECT id FROM evaluations WHERE model_version_id = $1', [model.id])
          ).rows[0]?.id;
          evaluation = id ? (await h.http().get(`/v1/evaluations/${id}`).set('authorization', auth)).body : undefined;
          return evaluation?.['status'];
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe('completed');
    const withEvaluations = (await h.http().get(`/v1/model-versions/${model.id}`).set('authorization', auth)).body;
    expect(withEvaluations.latest_evaluations[0]).toMatchObject({
      id: evaluation!['id'],
      split: 'test',
      status: 'completed',
    });
    // Well above the majority-class baseline (one half) on held-out rows.
    expect(evaluation!['metrics'].report.accuracy).toBeGreaterThan(0.9);
    expect(evaluation!['metrics'].report.macro_avg.f1_score).toBeGreaterThan(0.9);
    // Probabilities over the labels sum to 1 for every row.
    const predictions = (
      await h.http().get(`/v1/evaluations/${evaluation!['id']}/predictions`).set('authorization', auth)
    ).body.data;
    for (const row of predictions) {
      const total = Object.values(row.probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 6);
    }
  });

  it('continues from a local model on a newer version, recording the lineage', async () => {
    const first = await waitForFineTune(
      h,
      (await createFineTune(h, 'titles', { dataset_version_id: version, provider: 'local' })).body.id,
      60_000,
    );
    const next = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'local',
      parent_model_version_id: first.model_version_id,
    });
    const done = await waitForFineTune(h, next.body.id, 60_000);
    expect(done).toMatchObject({ status: 'succeeded', parent_model_version_id: first.model_version_id });
    const model = (await h.http().get(`/v1/model-versions/${done.model_version_id}`).set('authorization', auth)).body;
    expect(model.parent_id).toBe(first.model_version_id);

    const wrongKind = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'openai',
      parent_model_version_id: first.model_version_id,
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.errors[0].field).toBe('body.parent_model_version_id');
  });

  it('trains a fine-tune whose creator died before queueing it: on creating it again, and when workers resume', async () => {
    const template = (await createFineTune(h, 'titles', { dataset_version_id: version, provider: 'local', seed: 1 }))
      .body.id;
    await waitForFineTune(h, template, 60_000);
    // What a process leaves behind when it dies between writing the record and queueing its job.
    const orphan = async () => {
      const id = newId();
      await h.runtime.database.pool.query(
        `INSERT INTO fine_tunes (id, task_id, dataset_version_id, provider, base_model, seed, hyperparameters, estimate, status)
         SELECT $2, task_id, dataset_version_id, provider, base_model, seed, hyperparameters, estimate, 'pending' FROM fine_tunes WHERE id = $1`,
        [template, id],
      );
      return id;
    };
    const recreated = await orphan();
    const again = await h.runtime.services.fineTunes.create(
      'titles',
      { datasetVersionId: version, provider: 'local' },
      { id: recreated },
    );
    expect(again.dryRun ? undefined : again.fineTune.id).toBe(recreated);
    expect(await waitForFineTune(h, recreated, 60_000)).toMatchObject({ status: 'succeeded' });

    const resumed = await orphan();
    expect(await h.runtime.services.fineTunes.resumeActive()).toBe(1);
    expect(await waitForFineTune(h, resumed, 60_000)).toMatchObject({ status: 'succeeded' });
    // Resuming what is already finished queues nothing.
    expect(await h.runtime.services.fineTunes.resumeActive()).toBe(0);
  });

  it('trains once on a version without a test split: the model is registered and the automatic evaluation skipped', async () => {
    const trainOnly = await splitDataset(h, 'train-only', 120, { train: 1, validation: 0, test: 0 });
    const done = await waitForFineTune(
      h,
      (await createFineTune(h, 'train-only', { dataset_version_id: trainOnly, provider: 'local' })).body.id,
      60_000,
    );
    expect(done).toMatchObject({ status: 'succeeded', model_version_id: expect.any(String) });
    expect((await waitForAutoEvaluation(h, done.id)).auto_evaluation).toEqual({
      status: 'skipped',
      evaluation_id: null,
      reason: expect.stringContaining('test split has no labeled rows'),
    });
    expect(done.timeline.map((step: { status: string }) => step.status)).toEqual(['pending', 'running', 'succeeded']);
    expect(await modelVersionsOf(h, done.id)).toBe(1);
  });

  it('does not train again when a step retried after the model was registered', async () => {
    const done = await waitForAutoEvaluation(
      h,
      (
        await waitForFineTune(
          h,
          (
            await createFineTune(h, 'titles', { dataset_version_id: version, provider: 'local' })
          ).body.id,
          60_000,
        )
      ).id,
    );
    const pool = h.runtime.database.pool;
    // As if the worker died after registering the model, before the fine-tune was marked succeeded.
    await pool.query(
      `UPDATE fine_tunes SET status = 'running', model_version_id = NULL, finished_at = NULL WHERE id = $1`,
      [done.id],
    );
    await pool.query(`DELETE FROM fine_tune_events WHERE fine_tune_id = $1`, [done.id]);
    await h.runtime.services.trainingRunner.run({ v: 1, fineTuneId: done.id, step: 'start' });
    const after = (await h.http().get(`/v1/fine-tunes/${done.id}`).set('authorization', auth)).body;
    expect(after).toMatchObject({ status: 'succeeded', model_version_id: done.model_version_id, curve: done.curve });
    // Training writes an event per epoch: none means it did not run again.
    expect(after.events.filter((event: { type: string }) => event.type === 'metrics')).toEqual([]);
    expect(await modelVersionsOf(h, done.id)).toBe(1);
  });
});
