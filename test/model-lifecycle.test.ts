import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAIFake } from './fakes/openai/index.js';
import type { TogetherFake } from './fakes/together/index.js';
import { registerModel } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { startTitleFakes, stepOf, waitForPipeline } from './helpers/pipelines.js';
import type { ResponseJson } from './helpers/response-json.js';
import { createFineTune, splitDataset, waitForAutoEvaluation, waitForFineTune } from './helpers/training.js';

/**
 * Model lifecycle: each connection's dated catalogue (its kind's table plus the provider's list),
 * pre-flight refusal by it on every connection, and the on_shutdown policy retraining a champion
 * before its model's shutdown date, with `now` given to the check (no waiting for a date).
 */

const TOGETHER_BASE = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';

let openai: OpenAIFake;
let together: TogetherFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
const auth = bearer(ADMIN_KEY);
const dir = mkdtempSync(join(tmpdir(), 'tuneline-lifecycle-'));

beforeAll(async () => {
  ({ openai, together } = await startTitleFakes());
  const file = join(dir, 'connections.json');
  writeFileSync(
    file,
    JSON.stringify({
      connections: [
        // A compatible server whose model list dates its models as OpenAI's does (the OpenAI fake).
        { name: 'compat', kind: 'openai-compatible', base_url: openai.url },
        // Nothing listens there: its list cannot be read.
        { name: 'down', kind: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
      ],
    }),
  );
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.url,
    TOGETHER_API_KEY: 'tg-test-key',
    TOGETHER_BASE_URL: together.url,
    PROVIDER_CONNECTIONS_FILE: file,
    FINE_TUNE_POLL_MS: '50',
    FINE_TUNE_POLL_MAX_MS: '200',
    FILE_PROCESSING_TIMEOUT_MS: '2000',
  });
  workers = await startWorkers(h, ['training', 'evaluation', 'pipelines'], 4);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await openai?.close();
  await together?.close();
});

const get = async (path: string) => h.http().get(path).set('authorization', auth);
type Entry = { id: string; shutdown_date: string | null; listed: boolean | null; source: string } & ResponseJson;
const entry = (body: { data: Entry[] }, id: string) => body.data.find((candidate) => candidate.id === id);
const modelListReads = (fake: { requests: { method: string; path: string }[] }) =>
  fake.requests.filter((request) => request.method === 'GET' && request.path === '/v1/models').length;

describe('GET /v1/providers/{name}/models', () => {
  it("gives OpenAI's dated table with its model list, read once and cached", async () => {
    const response = await get('/v1/providers/openai/models');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      provider: 'openai',
      table_date: '2026-11-22',
      listed_at: expect.any(String),
      source: 'both',
    });
    expect(response.body.warnings).toBeUndefined();
    // In the table and in the list.
    expect(entry(response.body, 'gpt-4o-mini')).toEqual({
      id: 'gpt-4o-mini',
      shutdown_date: '2027-01-14',
      listed: true,
      source: 'both',
    });
    // The snapshot is dated by its family in the table, and by the provider in its list.
    expect(entry(response.body, 'gpt-4o-mini-2024-07-18')).toMatchObject({
      shutdown_date: '2027-01-14',
      source: 'both',
    });
    expect(entry(response.body, 'babbage-002')).toMatchObject({
      shutdown_date: '2026-09-28',
      fine_tunes_shutdown_date: '2026-10-23',
      listed: true,
    });
    // Only the provider knows it, and announces no date.
    expect(entry(response.body, 'gpt-4.1-nano')).toEqual({
      id: 'gpt-4.1-nano',
      shutdown_date: null,
      listed: true,
      source: 'provider',
    });
    const reads = modelListReads(openai);
    expect(reads).toBe(1);
    expect((await get('/v1/providers/openai/models')).status).toBe(200);
    expect(modelListReads(openai)).toBe(reads);
  });

  it("gives Together's model list, with no dates (it has no table and announces none)", async () => {
    const response = await get('/v1/providers/together/models');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ provider: 'together', table_date: null, source: 'provider' });
    expect(response.body.data.length).toBeGreaterThan(0);
    for (const model of response.body.data as Entry[])
      expect(model).toMatchObject({ shutdown_date: null, listed: true, source: 'provider' });
    expect(entry(response.body, TOGETHER_BASE)).toBeDefined();
  });

  it('gives an in-process connection an empty catalogue, and degrades to no list with a warning', async () => {
    const local = await get('/v1/providers/local/models');
    expect(local.body).toEqual({ provider: 'local', table_date: null, listed_at: null, source: 'none', data: [] });
    const down = await get('/v1/providers/down/models');
    expect(down.status, JSON.stringify(down.body)).toBe(200);
    expect(down.body).toMatchObject({ provider: 'down', source: 'none', listed_at: null, data: [] });
    expect(down.body.warnings).toEqual([expect.stringContaining('could not be read')]);
  });

  it('answers an unknown connection with 404 and a malformed name with 400, as problem+json', async () => {
    const unknown = await get('/v1/providers/nowhere/models');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
    const bad = await get('/v1/providers/Not_A_Name/models');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('pre-flight refusal by the connection’s catalogue', () => {
  beforeAll(async () => {
    await splitDataset(h, 'refusals');
  });

  it('refuses a model a non-OpenAI connection lists as shut down, naming the field', async () => {
    const response = await h
      .http()
      .post('/v1/tasks/refusals/model-versions')
      .set('authorization', auth)
      .send({ kind: 'prompt', provider: 'compat', model: 'gpt-3.5-turbo' });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({
      code: 'model_shut_down',
      details: { model: 'gpt-3.5-turbo', shutdown_date: '2026-10-23', source: 'provider' },
      errors: [{ field: 'body.model', message: expect.stringContaining('2026-10-23') }],
    });
    const versions = await h.runtime.database.pool.query(
      "SELECT count(*)::int AS n FROM model_versions WHERE provider = 'compat'",
    );
    expect(versions.rows[0].n).toBe(0);
  });

  it('does not refuse a model just because the provider does not list it', async () => {
    await registerModel(h, 'refusals', { kind: 'prompt', provider: 'compat', model: 'gpt-4.1-nano' });
    await registerModel(h, 'refusals', { kind: 'prompt', provider: 'compat', model: 'not-listed-anywhere' });
    await registerModel(h, 'refusals', { kind: 'prompt', provider: 'together', model: 'acme/unlisted-model' });
  });

  it("keeps refusing OpenAI's shut-down models by its table, without asking the provider", async () => {
    openai.requests.length = 0;
    const response = await h
      .http()
      .post('/v1/tasks/refusals/model-versions')
      .set('authorization', auth)
      .send({ kind: 'fine_tuned', provider: 'openai', model: 'ft:gpt-3.5-turbo-0125:org::xyz' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'model_shut_down',
      details: { shutdown_date: '2026-10-23', source: 'table', lifecycle_table_date: '2026-11-22' },
    });
    expect(modelListReads(openai)).toBe(0);
  });
});

describe('the on_shutdown policy', () => {
  const patch = (body: Record<string, unknown>) =>
    h.http().patch('/v1/tasks/titles/routing').set('authorization', auth).send(body);
  const policy = { retrain_with: { provider: 'together', base_model: TOGETHER_BASE }, days_before: 14 };
  const history = async () =>
    (await get('/v1/tasks/titles/routing/history?limit=100')).body.data as {
      action: string;
      reason: string;
      numbers: ResponseJson | null;
      actor: string;
      from_model_id: string | null;
      to_model_id: string | null;
    }[];
  const pipelineCount = async () =>
    (await h.runtime.database.pool.query('SELECT count(*)::int AS n FROM pipelines')).rows[0].n as number;
  let version: string;
  let champion: { id: string; model: string };

  it('starts from an OpenAI fine-tune of gpt-4o-mini as champion (its fine-tunes shut down 2027-01-14)', async () => {
    // 120 titles: 18 on the test split, which both the champion and its retrain are judged on.
    version = await splitDataset(h, 'titles', 120);
    const fallback = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'prompt-only' });
    await patch({ fallback_model_version_id: fallback, min_test_size: 10 }).expect(200);
    // The champion: an OpenAI fine-tune of gpt-4o-mini (its fine-tunes shut down 2027-01-14).
    const created = await createFineTune(h, 'titles', {
      dataset_version_id: version,
      provider: 'openai',
      base_model: 'gpt-4o-mini-2024-07-18',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const fineTune = await waitForFineTune(h, created.body.id, 60_000);
    expect(fineTune['status']).toBe('succeeded');
    await waitForAutoEvaluation(h, created.body.id, 60_000);
    const model = (await get(`/v1/model-versions/${fineTune['model_version_id']}`)).body;
    champion = { id: model.id, model: model.model };
    expect(champion.model).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
    await h
      .http()
      .post('/v1/tasks/titles/routing/promote')
      .set('authorization', auth)
      .send({ model_version_id: champion.id })
      .expect(200);
  }, 120_000);

  it('is validated: a known connection that trains, 1 to 365 whole days', async () => {
    const unknown = await patch({ on_shutdown: { ...policy, retrain_with: { provider: 'nowhere', base_model: 'x' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors).toEqual([
      { field: 'body.on_shutdown.retrain_with.provider', message: expect.stringContaining('nowhere') },
    ]);
    const untrained = await patch({
      on_shutdown: { ...policy, retrain_with: { provider: 'compat', base_model: 'x' } },
    });
    expect(untrained.status).toBe(400);
    expect(untrained.body.errors).toEqual([
      { field: 'body.on_shutdown.retrain_with.provider', message: expect.stringContaining('does not fine-tune') },
    ]);
    for (const days of [0, 366, 1.5]) {
      const response = await patch({ on_shutdown: { ...policy, days_before: days } });
      expect(response.status, String(days)).toBe(400);
      expect(JSON.stringify(response.body.errors)).toContain('days_before');
    }
    const missing = await patch({ on_shutdown: { days_before: 14 } });
    expect(missing.status).toBe(400);
    expect((await get('/v1/tasks/titles/routing')).body.policy.on_shutdown).toBeNull();
  });

  it('is set and cleared through the routing policy', async () => {
    const set = await patch({ on_shutdown: policy });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.policy.on_shutdown).toEqual(policy);
    const cleared = await patch({ on_shutdown: null });
    expect(cleared.body.policy.on_shutdown).toBeNull();
    await patch({ on_shutdown: policy }).expect(200);
  });

  it('retrains once before the shutdown date, and the promotion says why', async () => {
    const retrains = h.runtime.services.shutdownRetrains;
    // 25 days before 2027-01-14: outside the 14 days.
    expect(await retrains.check(new Date('2026-12-20T12:00:00Z'))).toEqual({ checked: 1, requested: [] });
    expect(await pipelineCount()).toBe(0);
    expect((await history()).some((event) => event.action === 'retrain_requested')).toBe(false);

    // 12 days before: one pipeline on together.
    const first = await retrains.check(new Date('2027-01-02T12:00:00Z'));
    expect(first.requested).toHaveLength(1);
    const pipelineId = first.requested[0]!.pipelineId;
    expect(first.requested[0]).toMatchObject({ shutdownDate: '2027-01-14' });
    // Again, and later on: no second pipeline for the same shutdown.
    expect((await retrains.check(new Date('2027-01-02T18:00:00Z'))).requested).toEqual([]);
    expect((await retrains.check(new Date('2027-01-10T00:00:00Z'))).requested).toEqual([]);
    expect(await pipelineCount()).toBe(1);

    const requested = (await history()).filter((event) => event.action === 'retrain_requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({
      actor: 'policy',
      from_model_id: champion.id,
      reason: `champion ${champion.model} shuts down 2027-01-14 (within 14 days); retraining on together/${TOGETHER_BASE}`,
      numbers: { shutdown_date: '2027-01-14', days_before: 14, days_left: 12, pipeline_id: pipelineId },
    });

    const done = await waitForPipeline(h, pipelineId, 150_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    expect((done as unknown as { origin: ResponseJson }).origin).toEqual({
      trigger: 'on_shutdown',
      champion_model_version_id: champion.id,
      champion_model: champion.model,
      shutdown_date: '2027-01-14',
      shutdown_source: expect.stringMatching(/^(table|provider)$/),
      days_before: 14,
    });
    // It trained on the champion's data, prepared the same way: the very version the champion was judged on.
    expect(stepOf(done, 'prepare').outputs['version_id']).toBe(version);
    const [candidate] = stepOf(done, 'train').outputs['candidates'] as { provider: string; model_version_id: string }[];
    expect(candidate).toMatchObject({ provider: 'together', status: 'succeeded' });
    expect(together.state.jobs.size).toBe(1);

    const routing = (await get('/v1/tasks/titles/routing')).body;
    expect(routing.champion_id).toBe(candidate!.model_version_id);
    const promotion = (await history()).find(
      (event) => event.action === 'auto_promote' && event.to_model_id === candidate!.model_version_id,
    );
    expect(promotion).toMatchObject({
      from_model_id: champion.id,
      actor: 'policy',
      reason: expect.stringMatching(
        new RegExp(
          `^on_shutdown retrain \\(champion ${champion.model.replace(/[.]/g, '\\.')} shuts down 2027-01-14\\): `,
        ),
      ),
      numbers: {
        trigger: 'on_shutdown',
        pipeline_id: pipelineId,
        replaces_model_version_id: champion.id,
        shutdown_date: '2027-01-14',
      },
    });
    // The new champion is a Together model, which announces no shutdown: nothing more to retrain.
    expect((await retrains.check(new Date('2027-01-12T00:00:00Z'))).requested).toEqual([]);
  }, 180_000);

  it('is checked by the housekeeping worker on its schedule', async () => {
    const housekeeping = await startWorkers(h, ['housekeeping'], 1);
    try {
      const queue = h.runtime.queues.get('housekeeping');
      expect(JSON.stringify(await queue.getJobSchedulers())).toContain('check-model-shutdowns');
      // A schedule's first job runs at once; with a Together champion now, it finds nothing to do.
      await expect
        .poll(
          async () =>
            (await queue.getCompleted()).find((job) => job.data.kind === 'check-model-shutdowns')?.returnvalue,
          { timeout: 15_000, interval: 100 },
        )
        .toEqual({ checked: 1, requested: [] });
    } finally {
      await housekeeping.close();
    }
  });
});
