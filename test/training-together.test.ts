import Together from 'together-ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherFake, type TogetherFake } from './fakes/together/index.js';
import { createSpecValidator } from './fakes/together/schemas/load-spec.js';
import { classify, route } from './helpers/classify.js';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { startRun, waitForRun } from './helpers/label-runs.js';
import { checkedTogetherRequests } from './helpers/together.js';
import {
  createFineTune,
  getFineTune,
  splitDataset,
  waitForAutoEvaluation,
  waitForFineTune,
} from './helpers/training.js';

/**
 * Together AI as a provider, end to end through the HTTP API and real workers, against the Together
 * fake: hosted fine-tuning (upload, job, polls, events, checkpoints, the model, its evaluation,
 * promotion and serving), failures and cancels, labeling, and every request Tuneline's own
 * Together code sends checked against the official spec's request schemas.
 */

const BASE_MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';
const CHAT_MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo';
const TITLES_SCRIPT = {
  rules: [
    { contains: 'how to', answer: 'instructional' },
    { contains: 'tutorial', answer: 'instructional' },
    { contains: 'drill', answer: 'instructional' },
    { contains: 'technique', answer: 'instructional' },
    { contains: 'step by step', answer: 'instructional' },
    { contains: 'breakdown', answer: 'instructional' },
  ],
  default: 'other',
};
const JOB_TIMING = {
  pendingMs: 30,
  queuedMs: 30,
  runningMs: 200,
  compressingMs: 20,
  uploadingMs: 20,
  cancellingMs: 20,
};

const spec = createSpecValidator();
let fake: TogetherFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;

beforeAll(async () => {
  // Fine-tuned models answer serverless, as LoRA adapters; test/together-endpoints.test.ts serves
  // them on dedicated endpoints.
  fake = await startTogetherFake({ servingRequiresEndpoint: false, jobTiming: JOB_TIMING, script: TITLES_SCRIPT });
  h = await createHarness({
    TOGETHER_API_KEY: 'tg-test-key',
    TOGETHER_BASE_URL: fake.url,
    FINE_TUNE_POLL_MS: '40',
    FINE_TUNE_POLL_MAX_MS: '100',
    FILE_PROCESSING_TIMEOUT_MS: '2000',
  });
  workers = await startWorkers(h, ['training', 'evaluation', 'labeling'], 4);
  version = await splitDataset(h, 'titles');
});
const checkedRequests = () => checkedTogetherRequests(spec, fake.requests);

afterEach(() => {
  expect(checkedRequests().problems).toEqual([]);
  fake.reset();
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const hosted = (extra: Record<string, unknown> = {}) => ({
  dataset_version_id: version,
  provider: 'together',
  ...extra,
});

const sent = (path: string, method = 'POST') =>
  fake.requests.filter((request) => request.method === method && request.path === `/v1${path}`);

describe('hosted fine-tuning at Together', () => {
  it('uploads, creates a LoRA job, polls it to completion, stores events and checkpoints, registers, evaluates, promotes and serves the model', async () => {
    const created = await createFineTune(
      h,
      'titles',
      hosted({ suffix: 'titles', seed: 7, hyperparameters: { n_epochs: 2, learning_rate_multiplier: 2 } }),
    );
    expect(created.status).toBe(202);
    expect((await waitForFineTune(h, created.body.id)).status).toBe('succeeded');
    const done = await waitForAutoEvaluation(h, created.body.id);

    // Together's stages in Tuneline's words: pending and queued are queued, compressing and uploading running.
    const order = ['pending', 'uploading', 'queued', 'running', 'succeeded'];
    const timeline: string[] = done.timeline.map((step: { status: string }) => step.status);
    expect(timeline.slice(0, 2)).toEqual(['pending', 'uploading']);
    expect(timeline.at(-1)).toBe('succeeded');
    expect(timeline.map((status) => order.indexOf(status))).toEqual(
      [...timeline.map((status) => order.indexOf(status))].sort((a, b) => a - b),
    );
    const tag = `tl${done.id.replace(/-/g, '').slice(-12)}`;
    const job = fake.state.jobs.get(done.provider_job_id)!;
    expect(done.fine_tuned_model).toMatch(
      new RegExp(`^fake-user/Meta-Llama-3\\.1-8B-Instruct-Reference-${tag}-titles-[0-9a-f]{8}$`),
    );
    expect(done.provider_job_id).toMatch(/^ft-/);
    expect(done.training_file_id).toMatch(/^file-/);
    expect(done.validation_file_id).toMatch(/^file-/);
    expect(done.trained_tokens).toBeGreaterThan(0);
    // The loss curve comes from Together's metrics (it lists no result files).
    expect(done.curve).toHaveLength(job.totalSteps);
    expect(done.curve[0]).toMatchObject({ step: 1, train_loss: job.metrics[0]!.values['train_loss'] });
    // The cost is Together's bill (total_price, nanodollars), though the price table has no Together prices.
    const nanodollars = Math.round(
      (job.trainTokens * job.settings.nEpochs + job.evalTokens * job.settings.nEvals) * job.pricePerMillion * 1000,
    );
    expect(nanodollars).toBeGreaterThan(0);
    expect(done.cost_usd).toBeCloseTo(nanodollars / 1e9, 12);
    expect(done.resolved_hyperparameters).toMatchObject({
      n_epochs: 2,
      learning_rate: 2e-5,
      training_type: { type: 'Lora' },
    });

    // What Together was asked: LoRA by default (no training_type sent), the seed, the tagged suffix.
    expect(job.settings).toMatchObject({
      nEpochs: 2,
      learningRate: 2e-5,
      randomSeed: 7,
      suffix: `${tag}-titles`,
      trainingType: { type: 'Lora' },
    });
    expect(sent('/fine-tunes')[0]!.body).not.toHaveProperty('training_type');
    expect(job.settings.trainingFile.filename).toBe(`${done.id}-train.jsonl`);

    // Every Together event stored once (the API shows the latest 100), and every checkpoint.
    const stored = await h.runtime.database.pool.query(
      "SELECT event_id, message FROM fine_tune_events WHERE fine_tune_id = $1 AND event_id NOT LIKE 'tuneline-%'",
      [done.id],
    );
    expect(stored.rows.map((row) => row.message).sort()).toEqual(job.events.map((event) => event.message).sort());
    expect(new Set(stored.rows.map((row) => row.event_id)).size).toBe(job.events.length);
    // Nothing odd to record: no "no result file" warning for a provider whose curve is in its API.
    const oddities = await h.runtime.database.pool.query(
      "SELECT message FROM fine_tune_events WHERE fine_tune_id = $1 AND event_id LIKE 'tuneline-%'",
      [done.id],
    );
    expect(oddities.rows).toEqual([]);
    expect(done.checkpoints).toHaveLength(job.checkpoints.length);
    expect(done.checkpoints[0]).toMatchObject({ step: job.totalSteps, model: `${job.id}:${job.totalSteps}` });

    const model = await h
      .http()
      .get(`/v1/model-versions/${done.model_version_id}`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(model.body).toMatchObject({
      kind: 'fine_tuned',
      provider: 'together',
      model: done.fine_tuned_model,
      status: 'candidate',
      name: 'titles-tg-titles',
      source_fine_tune_id: done.id,
    });

    // The automatic evaluation classifies the test split through the fine-tuned model.
    expect(done.auto_evaluation).toMatchObject({ status: 'queued', evaluation_id: expect.any(String) });
    let evaluation: Record<string, unknown> = {};
    await expect
      .poll(
        async () => {
          evaluation = (
            await h
              .http()
              .get(`/v1/evaluations/${done.auto_evaluation.evaluation_id}`)
              .set('authorization', bearer(ADMIN_KEY))
          ).body;
          return evaluation['status'];
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe('completed');
    expect(evaluation['metrics']).toMatchObject({ failed_predictions: 0, report: { accuracy: 1 } });

    // Promoted, it serves: label and probabilities from Together's logprobs.
    await route(h, 'titles', { champion: done.model_version_id });
    const answer = await classify(h, 'titles', { input: 'how to pass the guard' });
    expect(answer.status).toBe(200);
    const [result] = answer.body.results;
    expect(result).toMatchObject({ label: 'instructional', model_version_id: done.model_version_id });
    expect(result.confidence).toBeCloseTo(0.9, 2);
    const chat = sent('/chat/completions').at(-1)!;
    expect(chat.body).toMatchObject({ model: done.fine_tuned_model, temperature: 0, logprobs: 20 });
    // The key goes to Together, and into nothing Tuneline answers or stores.
    expect(chat.headers['authorization']).toBe('Bearer tg-test-key');
    expect(JSON.stringify([done, model.body, answer.body])).not.toContain('tg-test-key');

    // The whole flow's requests were checked against the spec (after each test), these among them.
    expect([...checkedRequests().operations].sort()).toEqual([
      'GET /files/{id}',
      'GET /fine-tunes',
      // Creation's pre-flight: the models Together trains, and this one's limits.
      'GET /fine-tunes/models/limits',
      'GET /fine-tunes/models/supported',
      'GET /fine-tunes/{id}',
      'GET /fine-tunes/{id}/checkpoints',
      'GET /fine-tunes/{id}/events',
      'GET /fine-tunes/{id}/metrics',
      'POST /chat/completions',
      'POST /files/upload',
      'POST /fine-tunes',
    ]);
  });

  it('adopts the Together job an earlier attempt created, found by the tag in its suffix', async () => {
    await workers.close();
    const created = await createFineTune(h, 'titles', hosted({ suffix: 'restart' }));
    const id: string = created.body.id;
    // The start step uploads; then, as if the worker died right after creating the job but before
    // recording its id, the job already exists at Together.
    await h.runtime.services.trainingRunner.run({ v: 1, fineTuneId: id, step: 'start' });
    const record = (await h.runtime.database.pool.query('SELECT training_file_id FROM fine_tunes WHERE id = $1', [id]))
      .rows[0];
    const client = new Together({ apiKey: 'tg-test-key', baseURL: fake.url, maxRetries: 0 });
    const early = await client.fineTuning.create({
      model: BASE_MODEL,
      training_file: record.training_file_id,
      suffix: `tl${id.replace(/-/g, '').slice(-12)}-restart`,
    });
    workers = await startWorkers(h, ['training', 'evaluation', 'labeling'], 4);
    const done = await waitForFineTune(h, id);
    expect(done.status).toBe('succeeded');
    expect(done.provider_job_id).toBe(early.id);
    expect(fake.state.jobs.size).toBe(1);
  });

  it('records no bill when Together reports one that cannot be (negative total_price), and counts the oddity', async () => {
    fake.configure({ faults: { totalPrice: -1_500 } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    // Unpriced in the price table too, so no cost at all rather than a negative one.
    expect(done).toMatchObject({ status: 'succeeded', cost_usd: null });
    const events = await h.runtime.database.pool.query(
      "SELECT message FROM fine_tune_events WHERE fine_tune_id = $1 AND event_id = 'tuneline-billed-price'",
      [done.id],
    );
    expect(events.rows).toHaveLength(1);
    const metrics = (await h.http().get('/metrics')).text;
    expect(metrics).toMatch(
      /tuneline_provider_oddities_total\{[^}]*provider="together"[^}]*kind="invalid_billed_price"[^}]*\} 1/,
    );
  });

  it('ends failed, with Together’s words, when the job fails', async () => {
    fake.configure({ faults: { failJobs: { message: 'Training data has fewer samples than the batch size.' } } });
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'job_error', message: 'Training data has fewer samples than the batch size.' },
      model_version_id: null,
    });
  });

  it('ends failed at once when Together refuses the job (its limits could not be read before)', async () => {
    fake.configure({ faults: { statusSequence: [503, 503], paths: ['/fine-tunes/models'] } });
    const done = await waitForFineTune(
      h,
      (await createFineTune(h, 'titles', hosted({ hyperparameters: { batch_size: 2 } }))).body.id,
    );
    expect(done).toMatchObject({ status: 'failed', provider_job_id: null, error: { code: 'invalid_request' } });
    expect(done.error.message).toContain('batch_size');
  });

  it('cancels a running job at Together', async () => {
    fake.configure({ jobTiming: { ...JOB_TIMING, runningMs: 60_000 } });
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
    expect(fake.state.jobs.get(done.provider_job_id)!.cancelRequestedAtMs).not.toBeNull();
  });
});

describe('pre-flight and price at Together', () => {
  it('prices the dry run with Together’s estimate, for the epochs Together will train, creating nothing', async () => {
    const response = await createFineTune(h, 'titles', hosted({ dry_run: true }));
    expect(response.status).toBe(200);
    expect(response.body.base_model).toBe(BASE_MODEL);
    expect(response.body.preflight).toEqual({ ok: true, problems: [] });
    // Together trains 1 epoch when none is asked (n_epochs is left out of job and estimate alike).
    expect(response.body.estimate).toMatchObject({ train_examples: 42, epochs: 1, cost_source: 'provider_estimate' });
    expect(response.body.estimate.cost_usd).toBeGreaterThan(0);
    expect(sent('/fine-tunes/models/supported', 'GET')).toHaveLength(1);
    expect(sent('/fine-tunes/models/limits', 'GET')).toHaveLength(1);
    const [asked] = sent('/fine-tunes/estimate-price');
    expect(asked!.body).toMatchObject({ model: BASE_MODEL });
    expect(asked!.body).not.toHaveProperty('n_epochs');
    // The file uploaded to be priced is deleted again; no job.
    expect(sent('/files/upload')).toHaveLength(1);
    expect(fake.state.files.size).toBe(0);
    expect(fake.state.jobs.size).toBe(0);
  });

  it('bills what the dry run estimated', async () => {
    const dry = await createFineTune(h, 'titles', hosted({ dry_run: true }));
    const done = await waitForFineTune(h, (await createFineTune(h, 'titles', hosted())).body.id);
    expect(done.status).toBe('succeeded');
    expect(fake.state.jobs.get(done.provider_job_id)!.settings.nEpochs).toBe(dry.body.estimate.epochs);
    expect(done.cost_usd).toBeCloseTo(dry.body.estimate.cost_usd, 5);
  });

  it('refuses a base model Together does not fine-tune, naming it, before anything is uploaded', async () => {
    for (const dryRun of [true, false]) {
      const response = await createFineTune(
        h,
        'titles',
        hosted({ base_model: 'meta-llama/Llama-2-7b-hf', dry_run: dryRun }),
      );
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('preflight_failed');
      expect(response.body.errors).toEqual([
        { field: 'body.base_model', message: expect.stringContaining('meta-llama/Llama-2-7b-hf') },
      ]);
      expect(response.body.details.problems).toEqual([
        expect.objectContaining({ code: 'unsupported_base_model', blocking: true }),
      ]);
    }
    expect(sent('/files/upload')).toHaveLength(0);
    expect(fake.state.jobs.size).toBe(0);
  });

  it('refuses hyperparameters outside the model’s limits, naming each field', async () => {
    const response = await createFineTune(
      h,
      'titles',
      hosted({ hyperparameters: { n_epochs: 25, batch_size: 2, learning_rate_multiplier: 0.0001 } }),
    );
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('preflight_failed');
    expect(response.body.errors.map((field: { field: string }) => field.field)).toEqual([
      'body.hyperparameters.n_epochs',
      'body.hyperparameters.batch_size',
      'body.hyperparameters.learning_rate_multiplier',
    ]);
    expect(response.body.errors[1].message).toMatch(/8 to 64; 2 asked/);
    expect(fake.state.jobs.size).toBe(0);
  });

  it('warns, and does not block, when Together’s models, limits or estimate cannot be read', async () => {
    fake.configure({
      faults: { statusSequence: [503, 503], paths: ['/fine-tunes/models', '/fine-tunes/estimate-price'] },
    });
    const response = await createFineTune(h, 'titles', hosted({ dry_run: true }));
    expect(response.status).toBe(200);
    expect(response.body.preflight.ok).toBe(true);
    expect(response.body.preflight.problems.map((problem: { code: string }) => problem.code).sort()).toEqual([
      'preflight_unavailable',
      'provider_estimate_unavailable',
      'unpriced_model',
    ]);
    expect(response.body.estimate).toMatchObject({ cost_usd: null, cost_source: 'price_table' });
    expect(fake.state.files.size).toBe(0);
  });
});

describe('labeling at Together', () => {
  let unlabeled: string;
  const texts = ['how to escape the mount', 'full match highlights', 'armbar tutorial', 'podcast episode 12'];

  beforeAll(async () => {
    await createTask(h, 'clips', ['instructional', 'other']);
    unlabeled = (await upload(h, '/v1/tasks/clips/datasets?name=clips', jsonl(texts.map((text) => ({ text }))))).body
      .version.id;
  });

  it('labels with chat completions and Together’s logprobs, within the connection’s budget', async () => {
    fake.script(TITLES_SCRIPT);
    const run = await waitForRun(h, (await startRun(h, unlabeled, { provider: 'together', mode: 'zero_shot' })).id);
    expect(run).toMatchObject({ status: 'completed', model: CHAT_MODEL, labeled: 4, failed: 0, error: null });
    expect(run.input_tokens).toBeGreaterThan(0);
    const rows = await allExamples(h, run.result_version_id);
    expect(rows.map((row) => row.label)).toEqual(['instructional', 'other', 'instructional', 'other']);
    const results = (await h.http().get(`/v1/label-runs/${run.id}/results`).set('authorization', bearer(ADMIN_KEY)))
      .body.data;
    for (const result of results) expect(result.confidence).toBeCloseTo(0.9, 2);
    expect(sent('/chat/completions')[0]!.body).toMatchObject({ model: CHAT_MODEL, temperature: 0, logprobs: 20 });
  });

  it('answers with the text alone, confidence null, when Together sends no logprobs', async () => {
    fake.script(TITLES_SCRIPT);
    fake.configure({ faults: { dropLogprobs: true } });
    const run = await waitForRun(h, (await startRun(h, unlabeled, { provider: 'together', mode: 'zero_shot' })).id);
    expect(run).toMatchObject({ status: 'completed', labeled: 4 });
    const results = (await h.http().get(`/v1/label-runs/${run.id}/results`).set('authorization', bearer(ADMIN_KEY)))
      .body.data;
    expect(results.map((result: { confidence: number | null }) => result.confidence)).toEqual([null, null, null, null]);
  });

  it('waits out Together’s 429s and 503s, and stops the run when the credit is used up (402)', async () => {
    fake.script(TITLES_SCRIPT);
    fake.configure({
      faults: {
        statusSequence: [{ status: 429, type: 'dynamic_request_limited', retryAfterMs: 200 }, { status: 503 }],
      },
    });
    const run = await waitForRun(h, (await startRun(h, unlabeled, { provider: 'together', mode: 'zero_shot' })).id);
    expect(run).toMatchObject({ status: 'completed', labeled: 4, failed: 0 });

    fake.configure({ faults: { statusSequence: [{ status: 402, type: 'credit_limit', message: 'Credit limit' }] } });
    const stopped = await waitForRun(h, (await startRun(h, unlabeled, { provider: 'together', mode: 'zero_shot' })).id);
    expect(stopped).toMatchObject({ status: 'failed', error: { code: 'insufficient_quota' } });
  });
});

describe('health of the together connection', () => {
  const listed = async (harness: Harness) => {
    const response = await harness.http().get('/v1/providers').set('authorization', bearer(ADMIN_KEY));
    expect(response.status).toBe(200);
    const together = (response.body.data as { name: string }[]).find((provider) => provider.name === 'together');
    return { text: response.text, together };
  };

  it('is probed with the model list, and ok while Together answers', async () => {
    const { together } = await listed(h);
    expect(together).toMatchObject({ kind: 'together', configured: true, health: { ok: true } });
    expect(sent('/models', 'GET')).toHaveLength(1);
  });

  it('is not ok, with a code and never Together’s words, when Together answers 503', async () => {
    // A harness of its own: the first one's health is cached for 30 s.
    const other = await createHarness({ TOGETHER_API_KEY: 'tg-test-key', TOGETHER_BASE_URL: fake.url });
    try {
      fake.configure({ faults: { statusSequence: [503], paths: ['/models'] } });
      const { text, together } = await listed(other);
      expect(together).toMatchObject({ health: { ok: false, error: 'service_unavailable' } });
      expect(text).not.toContain('overloaded');
      expect(sent('/models', 'GET')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('without TOGETHER_API_KEY', () => {
  let bare: Harness;
  let versionId: string;
  beforeAll(async () => {
    bare = await createHarness({ TOGETHER_BASE_URL: fake.url });
    versionId = await splitDataset(bare, 'titles');
  });
  afterAll(async () => {
    await bare?.close();
  });

  it('refuses fine-tunes and label runs with the unconfigured-provider 400, naming the setting', async () => {
    const fineTune = await createFineTune(bare, 'titles', { dataset_version_id: versionId, provider: 'together' });
    expect(fineTune.status).toBe(400);
    expect(fineTune.body).toMatchObject({ code: 'provider_not_configured' });
    expect(fineTune.body.detail).toContain('set TOGETHER_API_KEY');
    const run = await bare
      .http()
      .post(`/v1/dataset-versions/${versionId}/label-runs`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ provider: 'together' });
    expect(run.status).toBe(400);
    expect(run.body.code).toBe('provider_not_configured');
    expect(fake.requests).toHaveLength(0);
  });
});
