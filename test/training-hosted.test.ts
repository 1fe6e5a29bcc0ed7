import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { createFineTune, getFineTune, splitDataset, waitForFineTune } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 300 } });
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, FINE_TUNE_POLL_MS: '40', FINE_TUNE_POLL_MAX_MS: '100' });
  workers = await startWorkers(h, ['training'], 4);
  version = await splitDataset(h, 'titles');
});
afterEach(() => {
  fake.configure({ faults: {} });
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const hosted = (extra: Record<string, unknown> = {}) => ({ dataset_version_id: version, provider: 'openai', base_model: 'gpt-4o-mini-2024-07-18', ...extra });

describe('hosted fine-tuning', () => {
  it('checks the data and estimates epochs, tokens and cost without creating anything (dry run)', async () => {
    const response = await createFineTune(h, 'titles', hosted({ dry_run: true }));
    expect(response.status).toBe(200);
    expect(response.body.preflight).toEqual({ ok: true, problems: [] });
    // 42 train examples: auto epochs = floor(100 / 42) = 2.
    expect(response.body.estimate).toMatchObject({ train_examples: 42, epochs: 2, price_table_date: expect.any(String) });
    expect(response.body.estimate.cost_usd).toBeCloseTo((response.body.estimate.billable_tokens * 3) / 1e6, 12);
    expect(fake.stats().requests.total).toBe(0);
    const list = await h.http().get('/v1/tasks/titles/fine-tunes').set('authorization', bearer(ADMIN_KEY));
    expect(list.body.data).toEqual([]);
  });

  it('uploads, creates the job, polls it to success, stores the timeline, events, curve and cost, and registers the model', async () => {
    const created = await createFineTune(h, 'titles', hosted({ suffix: 'titles', hyperparameters: { n_epochs: 3 } }));
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('pending');
    const done = await waitForFineTune(h, created.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.timeline.map((step: { status: string }) => step.status)).toEqual([
      'pending',
      'uploading',
      'validating_files',
      'queued',
      'running',
      'succeeded',
    ]);
    expect(done.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:.*:titles:/);
    expect(done.training_file_id).toMatch(/^file-/);
    expect(done.validation_file_id).toMatch(/^file-/);
    expect(done.curve.length).toBeGreaterThan(0);
    expect(done.curve[0]).toMatchObject({ step: 1, train_loss: expect.any(Number) });
    expect(done.cost_usd).toBeCloseTo((done.trained_tokens * 3) / 1e6, 12);
    expect(done.resolved_hyperparameters).toMatchObject({ n_epochs: 3 });

    const job = fake.state.jobs.get(done.provider_job_id)!;
    expect(done.events.map((event: { id: string }) => event.id).sort()).toEqual(job.events.map((event) => event.id).sort());
    expect(done.checkpoints.length).toBe(job.checkpoints.length);

    const model = await h.http().get(`/v1/model-versions/${done.model_version_id}`).set('authorization', bearer(ADMIN_KEY));
    expect(model.body).toMatchObject({
      kind: 'fine_tuned',
      provider: 'openai',
      model: done.fine_tuned_model,
      status: 'candidate',
      trained_on_version_id: version,
      source_fine_tune_id: done.id,
      training_cost_usd: done.cost_usd,
    });

    // Continued training starts from the fine-tuned model, and records the lineage.
    const continued = await createFineTune(h, 'titles', hosted({ parent_model_version_id: model.body.id, suffix: 'more' }));
    const second = await waitForFineTune(h, continued.body.id);
    expect(second).toMatchObject({ status: 'succeeded', base_model: done.fine_tuned_model, parent_model_version_id: model.body.id });
    const child = await h.http().get(`/v1/model-versions/${second.model_version_id}`).set('authorization', bearer(ADMIN_KEY));
    expect(child.body.parent_id).toBe(model.body.id);
  });

  it('stores the provider’s error when the job fails', async () => {
    fake.configure({ faults: { failJobs: { code: 'invalid_n_examples', message: 'Training file has 3 example(s), but must have at least 10 examples' } } });
    const created = await createFineTune(h, 'titles', hosted());
    const done = await waitForFineTune(h, created.body.id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'invalid_n_examples', message: expect.stringContaining('at least 10') } });
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
    await expect.poll(async () => (await getFineTune(h, created.body.id)).status, { timeout: 10_000, interval: 50 }).toBe('running');
    const cancelled = await h.http().post(`/v1/fine-tunes/${created.body.id}/cancel`).set('authorization', bearer(ADMIN_KEY));
    expect(cancelled.body.cancel_requested).toBe(true);
    const done = await waitForFineTune(h, created.body.id);
    expect(done.status).toBe('cancelled');
    expect(fake.state.jobs.get(done.provider_job_id)!.status).toBe('cancelled');
    fake.configure({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 300 } });
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
