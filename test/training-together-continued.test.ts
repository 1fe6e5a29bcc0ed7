import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherFake, type TogetherFake } from './fakes/together/index.js';
import { createSpecValidator } from './fakes/together/schemas/load-spec.js';
import { registerModel } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { BASE_MODEL, checkedTogetherRequests } from './helpers/together.js';
import { createFineTune, NO_TEST_SPLIT, splitDataset, waitForFineTune } from './helpers/training.js';

/**
 * Continued training of a Together fine-tune: Together trains the parent's base model again,
 * starting from the parent's job (`from_checkpoint`), rather than taking the fine-tuned model as a
 * base. Every request Tuneline sends is checked against the spec's request schemas.
 */
const JOB_TIMING = {
  pendingMs: 20,
  queuedMs: 20,
  runningMs: 100,
  compressingMs: 10,
  uploadingMs: 10,
  cancellingMs: 10,
};

const spec = createSpecValidator();
let fake: TogetherFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startTogetherFake({ servingRequiresEndpoint: false, jobTiming: JOB_TIMING });
  const dir = mkdtempSync(join(tmpdir(), 'tuneline-continued-'));
  const file = join(dir, 'connections.json');
  // A second Together connection (another account): its models are not the first one's.
  writeFileSync(
    file,
    JSON.stringify({
      connections: [{ name: 'together-eu', kind: 'together', base_url: fake.url, api_key_env: 'TG_EU_KEY' }],
    }),
  );
  h = await createHarness({
    TOGETHER_API_KEY: 'tg-test-key',
    TOGETHER_BASE_URL: fake.url,
    TG_EU_KEY: 'tg-eu-key',
    PROVIDER_CONNECTIONS_FILE: file,
    // Configured, never called: registering a model made elsewhere asks nothing of it.
    OPENAI_API_KEY: 'sk-unused',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    FINE_TUNE_POLL_MS: '30',
    FINE_TUNE_POLL_MAX_MS: '80',
  });
  workers = await startWorkers(h, ['training'], 2);
  version = await splitDataset(h, 'titles', 60, NO_TEST_SPLIT);
});
afterEach(() => {
  expect(checkedTogetherRequests(spec, fake.requests).problems).toEqual([]);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const jobCreations = () =>
  fake.requests.filter((request) => request.method === 'POST' && request.path === '/v1/fine-tunes');

describe('continued training at Together', () => {
  let parent: { id: string; jobId: string; model: string };

  it('trains the parent’s base from the parent’s job (from_checkpoint), and records the lineage', async () => {
    const first = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together',
      suffix: 'v1',
    });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const done = await waitForFineTune(h, first.body.id);
    expect(done).toMatchObject({ status: 'succeeded', base_model: BASE_MODEL });
    parent = { id: done.model_version_id, jobId: done.provider_job_id, model: done.fine_tuned_model };

    const before = jobCreations().length;
    const continued = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together',
      parent_model_version_id: parent.id,
      suffix: 'v2',
    });
    expect(continued.status, JSON.stringify(continued.body)).toBe(202);
    // The parent's base model, not its fine-tuned one (which Together does not take as a base).
    expect(continued.body).toMatchObject({ base_model: BASE_MODEL, parent_model_version_id: parent.id });
    const second = await waitForFineTune(h, continued.body.id);
    expect(second, JSON.stringify(second.error)).toMatchObject({ status: 'succeeded', base_model: BASE_MODEL });
    expect(second.fine_tuned_model).not.toBe(parent.model);

    const [creation] = jobCreations().slice(before);
    expect(creation?.body).toMatchObject({ model: BASE_MODEL, from_checkpoint: parent.jobId });
    // Together keeps the checkpoint on the job it continued with.
    expect(fake.state.jobs.get(second.provider_job_id)?.settings.fromCheckpoint).toBe(parent.jobId);

    const child = await h.http().get(`/v1/model-versions/${second.model_version_id}`).set('authorization', auth);
    expect(child.body).toMatchObject({ parent_id: parent.id, provider: 'together', model: second.fine_tuned_model });
  });

  it('refuses, naming the field, a Together fine-tune continued on another connection and another connection’s model on Together', async () => {
    const elsewhere = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together-eu',
      parent_model_version_id: parent.id,
      dry_run: true,
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors).toEqual([
      {
        field: 'body.parent_model_version_id',
        message: 'a model of connection together cannot be trained further with provider together-eu',
      },
    ]);

    const openaiModel = await registerModel(h, 'titles', {
      kind: 'fine_tuned',
      provider: 'openai',
      model: 'ft:gpt-4o-mini-2024-07-18:org::abc',
      name: 'made-at-openai',
    });
    const foreign = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together',
      parent_model_version_id: openaiModel,
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([
      {
        field: 'body.parent_model_version_id',
        message: 'a model of connection openai cannot be trained further with provider together',
      },
    ]);
  });

  it('needs the base model of a Together fine-tune made elsewhere, and keeps a known parent’s base', async () => {
    const byo = await registerModel(h, 'titles', {
      kind: 'fine_tuned',
      provider: 'together',
      model: 'someone/Meta-Llama-3.1-8B-Instruct-Reference-abc123',
      name: 'made-elsewhere',
    });
    const unknownBase = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together',
      parent_model_version_id: byo,
      dry_run: true,
    });
    expect(unknownBase.status).toBe(400);
    expect(unknownBase.body.errors[0]).toMatchObject({ field: 'body.base_model' });
    const withBase = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together',
      parent_model_version_id: byo,
      base_model: BASE_MODEL,
      dry_run: true,
    });
    expect(withBase.status, JSON.stringify(withBase.body)).toBe(200);
    expect(withBase.body.base_model).toBe(BASE_MODEL);

    const otherBase = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'together',
      parent_model_version_id: parent.id,
      base_model: 'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference',
      dry_run: true,
    });
    expect(otherBase.status).toBe(400);
    expect(otherBase.body.errors).toEqual([
      { field: 'body.base_model', message: `the parent was trained from ${BASE_MODEL}` },
    ]);
  });
});
