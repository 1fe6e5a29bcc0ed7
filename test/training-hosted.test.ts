import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import type { ResponseJson } from './helpers/response-json.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import {
  createFineTune,
  getFineTune,
  modelVersionsOf,
  NO_TEST_SPLIT,
  splitDataset,
  waitForAutoEvaluation,
  waitForFineTune,
} from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 300 } });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    FINE_TUNE_POLL_MS: '40',
    FINE_TUNE_POLL_MAX_MS: '100',
    FILE_PROCESSING_TIMEOUT_MS: '400',
  });
  workers = await startWorkers(h, ['training', 'evaluation'], 4);
  version = await splitDataset(h, 'titles');
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const hosted = (extra: Record<string, unknown> = {}) => ({
  dataset_version_id: version,
  provider: 'openai',
  base_model: 'gpt-4o-mini-2024-07-18',
  ...extra,
});

describe('hosted fine-tuning', () => {
  it('checks the data and estimates epochs, tokens and cost without creating anything (dry run)', async () => {
    const response = await createFineTune(h, 'titles', hosted({ dry_run: true }));
    expect(response.status).toBe(200);
    expect(response.body.preflight).toEqual({ ok: true, problems: [] });
    // 42 train examples × 3 epochs ≥ 100, so `auto` stays at 3.
    expect(response.body.estimate).toMatchObject({
      train_examples: 42,
      epochs: 3,
      price_table_date: expect.any(String),
    });
    expect(response.body.estimate.cost_usd).toBeCloseTo((response.body.estimate.billable_tokens * 3) / 1e6, 12);
    expect(fake.stats().requests.total).toBe(0);
    const list = await h.http().get('/v1/tasks/titles/fine-tunes').set('authorization', bearer(ADMIN_KEY));
    expect(list.body.data).toEqual([]);
  });

  it('uploads, creates the job, polls it to success, stores the timeline, events, curve and cost, and registers the model', async () => {
    const created = await createFineTune(h, 'titles', hosted({ suffix: 'titles', hyperparameters: { n_epochs: 3 } }));
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('pending');
    expect((await waitForFineTune(h, created.body.id)).status).toBe('succeeded');
    // The last events, the curve and the automatic evaluation follow the success, in that order.
    const done = await waitForAutoEvaluation(h, created.body.id);
    // Polls may miss a short provider phase, but the timeline always moves forward.
    const order = ['pending', 'uploading', 'validating_files', 'queued', 'running', 'succeeded'];
    const timeline: string[] = done.timeline.map((step: { status: string }) => step.status);
    expect(timeline.slice(0, 2)).toEqual(['pending', 'uploading']);
    expect(timeline.at(-1)).toBe('succeeded');
    expect(timeline.map((status) => order.indexOf(status))).toEqual(
      [...timeline.map((status) => order.indexOf(status))].sort((a, b) => a - b),
    );
    expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:.*:titles:/);
    expect(done.training_file_id).toMatch(/^file-/);
    expect(done.validation_file_id).toMatch(/^file-/);
    expect(done.curve.length).toBeGreaterThan(0);
    expect(done.curve[0]).toMatchObject({ step: 1, train_loss: expect.any(Number) });
    expect(done.cost_usd).toBeCloseTo((done.trained_tokens * 3) / 1e6, 12);
    expect(done.resolved_hyperparameters).toMatchObject({ n_epochs: 3 });

    const job = fake.state.jobs.get(done.provider_job_id)!;
    // Every provider event stored once (the API shows the latest 100).
    const stored = await h.runtime.database.pool.query(
      'SELECT event_id FROM fine_tune_events WHERE fine_tune_id = $1',
      [done.id],
    );
    expect(stored.rows.map((row) => row.event_id).sort()).toEqual(job.events.map((event) => event.id).sort());
    expect(done.events.length).toBe(Math.min(100, job.events.length));
    expect(done.checkpoints.length).toBe(job.checkpoints.length);

    const model = await h
      .http()
      .get(`/v1/model-versions/${done.model_version_id}`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(model.body).toMatchObject({
      kind: 'fine_tuned',
      provider: 'openai',
      model: done.fine_tuned_model,
      status: 'candidate',
      trained_on_version_id: version,
      source_fine_tune_id: done.id,
      training_cost_usd: done.cost_usd,
    });

    // The new model is evaluated at once on the test split of the version it was trained on.
    fake.script({
      rules: [
        { contains: 'how to', answer: 'instructional' },
        { contains: 'tutorial', answer: 'instructional' },
      ],
      default: 'other',
    });
    await expect
      .poll(
        async () =>
          (
            await h.runtime.database.pool.query('SELECT status FROM evaluations WHERE model_version_id = $1', [
              model.body.id,
            ])
          ).rows[0]?.status,
        {
          timeout: 15_000,
          interval: 100,
        },
      )
      .toBe('completed');

    // Continued training starts from the fine-tuned model, and records the lineage.
    const continued = await createFineTune(
      h,
      'titles',
      hosted({ parent_model_version_id: model.body.id, suffix: 'more' }),
    );
    const second = await waitForFineTune(h, continued.body.id);
    expect(second).toMatchObject({
      status: 'succeeded',
      base_model: done.fine_tuned_model,
      parent_model_version_id: model.body.id,
    });
    const child = await h
      .http()
      .get(`/v1/model-versions/${second.model_version_id}`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(child.body.parent_id).toBe(model.body.id);
  });

  it('pages every event of a fine-tune with more than 100, newest first, with a cursor', async () => {
    // Batch size 1: a step event per example per epoch, 42 × 4 = 168 of them.
    const created = await createFineTune(h, 'titles', hosted({ hyperparameters: { n_epochs: 4, batch_size: 1 } }));
    const done = await waitForFineTune(h, created.body.id);
    expect(done.status).toBe('succeeded');
    const job = fake.state.jobs.get(done.provider_job_id)!;
    await expect.poll(async () => (await getFineTune(h, done.id)).events.length, { timeout: 10_000 }).toBe(100);
    await expect
      .poll(
        async () =>
          (await h.runtime.database.pool.query('SELECT 1 FROM fine_tune_events WHERE fine_tune_id = $1', [done.id]))
            .rowCount,
        { timeout: 10_000 },
      )
      .toBe(job.events.length);
    expect(job.events.length).toBeGreaterThan(170);

    const seen: { id: string; created_at: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: ResponseJson } = await h
        .http()
        .get(`/v1/fine-tunes/${done.id}/events?limit=50${cursor ? `&cursor=${cursor}` : ''}`)
        .set('authorization', bearer(ADMIN_KEY));
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(50);
      seen.push(...page.body.data);
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBe(Math.ceil(job.events.length / 50));
    expect(seen.map((event) => event.id).sort()).toEqual(job.events.map((event) => event.id).sort());
    const times = seen.map((event) => event.created_at);
    expect(times).toEqual([...times].sort().reverse());
    // The detail's 100 are the newest of them.
    expect((await getFineTune(h, done.id)).events.map((event: { id: string }) => event.id)).toEqual(
      seen.slice(0, 100).map((event) => event.id),
    );

    const tooMany = await h
      .http()
      .get(`/v1/fine-tunes/${done.id}/events?limit=101`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('query.limit');
    const badCursor = await h
      .http()
      .get(`/v1/fine-tunes/${done.id}/events?cursor=nonsense`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.code).toBe('invalid_cursor');
  });

  it('stores the provider’s error when the job fails', async () => {
    fake.configure({
      faults: {
        failJobs: {
          code: 'invalid_n_examples',
          message: 'Training file has 3 example(s), but must have at least 10 examples',
        },
      },
    });
    const created = await createFineTune(h, 'titles', hosted());
    const done = await waitForFineTune(h, created.body.id);
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_n_examples', message: expect.stringContaining('at least 10') },
    });
    expect(done.model_version_id).toBeNull();
  });

  it('reports a refusal to train as refused, with the provider’s message', async () => {
    fake.configure({ faults: { trainingNotAvailable: true } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done.status).toBe('refused');
    expect(done.error.code).toBe('training_not_available');
    expect(done.error.message).toContain('winding down');
  });

  it('cancels a running job at the provider', async () => {
    fake.configure({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 60_000 } });
    const created = await createFineTune(h, 'titles', hosted());
    await expect
      .poll(async () => (await getFineTune(h, created.body.id)).status, { timeout: 10_000, interval: 50 })
      .toBe('running');
    const cancelled = await h
      .http()
      .post(`/v1/fine-tunes/${created.body.id}/cancel`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(cancelled.body.cancel_requested).toBe(true);
    const done = await waitForFineTune(h, created.body.id);
    expect(done.status).toBe('cancelled');
    expect(fake.state.jobs.get(done.provider_job_id)!.status).toBe('cancelled');
    fake.configure({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 300 } });
  });

  it('adopts the provider job an earlier attempt created, and resumes polling after a worker restart', async () => {
    await workers.close();
    const created = await createFineTune(h, 'titles', hosted({ suffix: 'restart' }));
    const id: string = created.body.id;
    // The start step uploads the files; then, as if the worker died right after creating the job
    // but before recording its id, the job already exists at the provider.
    await h.runtime.services.trainingRunner.run({ v: 1, fineTuneId: id, step: 'start' });
    const record = (await h.runtime.database.pool.query('SELECT training_file_id FROM fine_tunes WHERE id = $1', [id]))
      .rows[0];
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
    const early = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini-2024-07-18',
      training_file: record.training_file_id,
      metadata: { tuneline_fine_tune_id: id },
    });
    workers = await startWorkers(h, ['training', 'evaluation'], 4);
    const done = await waitForFineTune(h, id);
    expect(done.status).toBe('succeeded');
    expect(done.provider_job_id).toBe(early.id);
    expect([...fake.state.jobs.values()].filter((job) => job.metadata?.['tuneline_fine_tune_id'] === id)).toHaveLength(
      1,
    );
  });

  it('rejects data that cannot be trained on, and a version of another task', async () => {
    const tiny = await splitDataset(h, 'tiny', 8);
    const response = await createFineTune(h, 'tiny', { dataset_version_id: tiny, provider: 'openai' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('preflight_failed');
    expect(response.body.details.problems[0].code).toBe('too_few_examples');
    const foreign = await createFineTune(h, 'tiny', hosted());
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].field).toBe('body.dataset_version_id');
  });
});

describe('hosted fine-tuning keeps what was paid for, and trusts no provider answer', () => {
  const stored = async (id: string) =>
    (await h.runtime.database.pool.query('SELECT message, data FROM fine_tune_events WHERE fine_tune_id = $1', [id]))
      .rows;

  it('registers the model of a job that succeeded on a version without a test split, and records the automatic evaluation as skipped', async () => {
    const noTest = await splitDataset(h, 'no-test', 60, NO_TEST_SPLIT);
    const done = await waitForFineTune(
      h,
      (await createFineTune(h, 'no-test', hosted({ dataset_version_id: noTest }))).body.id,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      error: null,
      fine_tuned_model: expect.stringMatching(/^ft:/),
      model_version_id: expect.any(String),
    });
    expect((await waitForAutoEvaluation(h, done.id)).auto_evaluation).toEqual({
      status: 'skipped',
      evaluation_id: null,
      reason: expect.stringContaining('test split has no labeled rows'),
    });
    expect(await modelVersionsOf(h, done.id)).toBe(1);
    // Running a step again (a retried or racing poll) changes nothing.
    await h.runtime.services.trainingRunner.run({ v: 1, fineTuneId: done.id, step: 'poll' });
    expect(await modelVersionsOf(h, done.id)).toBe(1);
    expect((await getFineTune(h, done.id)).status).toBe('succeeded');
  });

  it('records the automatic evaluation it queued', async () => {
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    const { auto_evaluation: decided } = await waitForAutoEvaluation(h, done.id);
    expect(decided).toMatchObject({ status: 'queued', evaluation_id: expect.any(String), reason: null });
    const evaluation = await h
      .http()
      .get(`/v1/evaluations/${decided.evaluation_id}`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(evaluation.body).toMatchObject({
      model_version_id: done.model_version_id,
      dataset_version_id: version,
      split: 'test',
    });
  });

  it('keeps the model when the result file cannot be read: no curve, and an event saying why', async () => {
    fake.configure({ faults: { unreadableResultFiles: true } });
    // The curve is read after the success, before the automatic evaluation is decided.
    const done = await waitForAutoEvaluation(
      h,
      (await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id)).id,
    );
    expect(done).toMatchObject({ status: 'succeeded', model_version_id: expect.any(String), curve: [] });
    expect(done.trained_tokens).toBeGreaterThan(0);
    expect((await stored(done.id)).map((event) => event.message)).toContainEqual(
      expect.stringMatching(/result file .* could not be read/),
    );
  });

  it('stops paging events and checkpoints when the provider’s cursor does not advance', async () => {
    fake.configure({ faults: { endlessPages: true } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done.status).toBe('succeeded');
    const polls = (await h.runtime.database.pool.query('SELECT polls FROM fine_tunes WHERE id = $1', [done.id])).rows[0]
      .polls;
    const routes = fake.stats().requests.byRoute;
    const count = (suffix: string) =>
      Object.entries(routes)
        .filter(([route]) => route.endsWith(suffix))
        .reduce((sum, [, n]) => sum + n, 0);
    // At most two pages a poll: the first, and the repeat that shows the cursor stuck.
    expect(count('/events')).toBeGreaterThan(0);
    expect(count('/events')).toBeLessThanOrEqual(2 * polls);
    expect(count('/checkpoints')).toBeLessThanOrEqual(2 * polls);
  });

  it('fails at once, with the provider’s words, when a training file ends in error', async () => {
    fake.configure({ faults: { fileErrors: 'Invalid file format: line 3 is not valid JSON.' } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done).toMatchObject({
      status: 'failed',
      provider_job_id: null,
      error: { code: 'file_error', message: expect.stringContaining('line 3 is not valid JSON') },
    });
  });

  it('fails after the configured wait when a training file stays uploaded', async () => {
    fake.configure({ faults: { stuckFiles: true } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done).toMatchObject({
      status: 'failed',
      provider_job_id: null,
      error: { code: 'file_processing_timeout', message: expect.stringContaining('still uploaded') },
    });
  });

  it('records a reason when the provider fails a job without saying why', async () => {
    fake.configure({ faults: { failJobsWithoutError: true } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(fake.state.jobs.get(done.provider_job_id)!.status).toBe('failed');
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'provider_failed', message: expect.stringContaining('gave no reason') },
    });
  });

  it.each([
    ['negative', -5_000],
    ['absurd', 9_007_199_254_740_991],
  ])('keeps the model and records no cost when trained_tokens is %s', async (_kind, tokens) => {
    fake.configure({ faults: { trainedTokens: tokens } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      trained_tokens: null,
      cost_usd: null,
      model_version_id: expect.any(String),
    });
    expect((await stored(done.id)).map((event) => event.message)).toContainEqual(
      expect.stringContaining(`trained_tokens ${tokens}`),
    );
  });
});
