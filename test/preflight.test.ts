import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { createFineTune, splitDataset, TITLE_WORDS } from './helpers/training.js';

// Refusals happen before anything is queued, so no workers run here: whatever was written or
// sent to the provider is still visible afterwards.
let fake: OpenAIFake;
let h: Harness;
let version: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    PRICE_OVERRIDES: JSON.stringify({ 'o3-mini': { input: 1, output: 4, training: 100 } }),
  });
  version = await splitDataset(h, 'titles');
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const count = async (table: string): Promise<number> =>
  (await h.runtime.database.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

/** A model version registered while its model still served, whose model has since shut down. */
async function registeredBeforeShutdown(kind: 'prompt' | 'fine_tuned', model: string): Promise<string> {
  const body =
    kind === 'prompt'
      ? { kind, provider: 'openai', model: 'gpt-4.1-nano' }
      : { kind, provider: 'openai', model: 'ft:gpt-4.1-nano-2025-04-14:org::old' };
  const created = await h.http().post('/v1/tasks/titles/model-versions').set('authorization', auth).send(body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await h.runtime.database.pool.query('UPDATE model_versions SET model = $1 WHERE id = $2', [model, created.body.id]);
  return created.body.id;
}

function expectShutDown(
  response: { status: number; headers: Record<string, string>; body: { detail: string; errors: unknown[] } },
  model: string,
  date: string,
  field: string,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(response.body).toMatchObject({ code: 'model_shut_down', details: { model, shutdown_date: date } });
  expect(response.body.detail).toContain(model);
  expect(response.body.detail).toContain(date);
  expect(response.body.errors).toEqual([{ field, message: expect.stringContaining(date) }]);
}

describe('pre-flight refuses shut-down models before anything is spent', () => {
  it.each([
    ['gpt-3.5-turbo', '2026-10-23'],
    ['babbage-002', '2026-09-28'],
    ['davinci-002', '2026-09-28'],
  ])('refuses a fine-tune of %s (dry run and real create)', async (model, date) => {
    const body = { dataset_version_id: version, provider: 'openai', base_model: model };
    expectShutDown(await createFineTune(h, 'titles', { ...body, dry_run: true }), model, date, 'body.base_model');
    expectShutDown(await createFineTune(h, 'titles', body), model, date, 'body.base_model');
    expect(await count('fine_tunes')).toBe(0);
    expect(fake.stats().requests.total).toBe(0);
  });

  it('refuses continued training of a fine-tune whose base has shut down', async () => {
    const parent = await registeredBeforeShutdown('fine_tuned', 'ft:gpt-3.5-turbo-0125:org::abc');
    const response = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'openai',
      parent_model_version_id: parent,
      dry_run: true,
    });
    expectShutDown(response, 'ft:gpt-3.5-turbo-0125:org::abc', '2026-10-23', 'body.parent_model_version_id');
    expect(await count('fine_tunes')).toBe(0);
  });

  it.each([
    ['gpt-3.5-turbo', '2026-10-23'],
    ['babbage-002', '2026-09-28'],
  ])('refuses a label run with %s', async (model, date) => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${version}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'openai', model, mode: 'zero_shot', only_unlabeled: false });
    expectShutDown(response, model, date, 'body.model');
    expect(await count('label_runs')).toBe(0);
    expect(fake.stats().requests.total).toBe(0);
  });

  it('refuses to evaluate a model version whose model has shut down', async () => {
    const model = await registeredBeforeShutdown('prompt', 'gpt-3.5-turbo');
    const response = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model, dataset_version_id: version });
    expectShutDown(response, 'gpt-3.5-turbo', '2026-10-23', 'body.model_version_id');
    expect(await count('evaluations')).toBe(0);
    expect(fake.stats().requests.total).toBe(0);
  });

  it.each([
    ['prompt', 'gpt-3.5-turbo-0125', '2026-10-23'],
    ['prompt', 'gpt-3.5-turbo-instruct', '2026-09-28'],
    ['fine_tuned', 'ft:davinci-002:org:legacy:abc', '2026-10-23'],
    ['fine_tuned', 'ft:gpt-3.5-turbo-0125:org::xyz', '2026-10-23'],
  ])('refuses to register a %s model on %s', async (kind, model, date) => {
    const before = await count('model_versions');
    const response = await h
      .http()
      .post('/v1/tasks/titles/model-versions')
      .set('authorization', auth)
      .send({ kind, provider: 'openai', model });
    expectShutDown(response, model, date, 'body.model');
    expect(await count('model_versions')).toBe(before);
    expect(fake.stats().requests.total).toBe(0);
  });
});

describe('pre-flight warnings', () => {
  it('warns that a base model missing from the price table cannot be costed, and stores the warning with the estimate', async () => {
    const body = { dataset_version_id: version, provider: 'openai', base_model: 'o4-mini-2025-04-16' };
    const dry = await createFineTune(h, 'titles', { ...body, dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body.estimate.cost_usd).toBeNull();
    expect(dry.body.preflight).toEqual({
      ok: true,
      problems: [{ code: 'unpriced_model', message: expect.stringContaining('o4-mini-2025-04-16'), blocking: false }],
    });
    const created = await createFineTune(h, 'titles', body);
    expect(created.status).toBe(202);
    const stored = await h.runtime.database.pool.query('SELECT estimate FROM fine_tunes WHERE id = $1', [
      created.body.id,
    ]);
    expect(stored.rows[0].estimate.preflight.problems).toEqual(dry.body.preflight.problems);
  });

  it('prices the estimate with PRICE_OVERRIDES, as the bill is recorded', async () => {
    const dry = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'openai',
      base_model: 'o3-mini',
      dry_run: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.body.preflight).toEqual({ ok: true, problems: [] });
    expect(dry.body.estimate.cost_usd).toBeCloseTo((dry.body.estimate.billable_tokens * 100) / 1e6, 12);
  });

  it('warns that a version without a labeled test split will not be evaluated automatically', async () => {
    await createTask(h, 'notest', ['instructional', 'other']);
    const rows = Array.from({ length: 40 }, (_, i) => {
      const label = i % 2 ? 'instructional' : 'other';
      return { text: `${TITLE_WORDS[label][i % 6]} number ${i}`, label };
    });
    const imported = await upload(h, '/v1/tasks/notest/datasets?name=notest', jsonl(rows));
    const split = await h
      .http()
      .post(`/v1/dataset-versions/${imported.body.version.id}/derive`)
      .set('authorization', auth)
      .send({ operations: [{ op: 'split', train: 0.8, validation: 0.2, test: 0 }] });
    expect(split.status).toBe(201);
    for (const provider of ['openai', 'local']) {
      const dry = await createFineTune(h, 'notest', { dataset_version_id: split.body.id, provider, dry_run: true });
      expect(dry.status).toBe(200);
      expect(dry.body.preflight).toEqual({
        ok: true,
        problems: [
          {
            code: 'no_test_split',
            message: expect.stringContaining('will not be evaluated automatically'),
            blocking: false,
          },
        ],
      });
    }
  });
});
