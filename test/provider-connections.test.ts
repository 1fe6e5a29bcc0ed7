import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel, route } from './helpers/classify.js';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { startRun, waitForRun } from './helpers/label-runs.js';
import { createFineTune, splitDataset, waitForFineTune } from './helpers/training.js';

// Two OpenAI-compatible servers at once: one labels (with logprobs), the other serves the
// task's prompt-only fallback and, like many local servers, answers without logprobs.
let labeler: OpenAIFake;
let server: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
const auth = bearer(ADMIN_KEY);
const LAB_KEY = 'lab-secret-key-0123456789';
const TICKETS = ['I want a refund', 'The app crashes', 'Refund the double charge', 'Add a dark mode'];
const RULES = {
  rules: [
    { contains: 'efund', answer: 'billing' },
    { contains: 'rash', answer: 'bug' },
  ],
  default: 'other',
};
const dir = mkdtempSync(join(tmpdir(), 'tuneline-connections-'));

const connectionsFile = (connections: unknown[]): string => {
  const path = join(dir, `connections-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ connections }));
  return path;
};

beforeAll(async () => {
  labeler = await startOpenAIFake({ script: RULES });
  server = await startOpenAIFake({ script: RULES, logprobs: false });
  const file = connectionsFile([
    {
      name: 'lab',
      kind: 'openai-compatible',
      base_url: labeler.url,
      api_key_env: 'LAB_KEY',
      headers: { 'x-team': 'labeling' },
      rpm: 120,
    },
    { name: 'serve', kind: 'openai-compatible', base_url: server.url, default_model: 'gpt-4o-mini' },
    // The same server, known not to give logprobs: none are asked for.
    { name: 'quiet', kind: 'openai-compatible', base_url: server.url, default_model: 'gpt-4o-mini', logprobs: false },
    // The labeler's server also implements OpenAI's fine-tuning job API.
    { name: 'trainer', kind: 'openai-compatible', base_url: labeler.url, fine_tuning: true },
    {
      name: 'keyless',
      kind: 'openai-compatible',
      base_url: 'http://127.0.0.1:9/v1',
      api_key_env: 'KEYLESS_API_KEY',
    },
  ]);
  h = await createHarness({
    PROVIDER_CONNECTIONS_FILE: file,
    LAB_KEY,
    FINE_TUNE_POLL_MS: '40',
    FINE_TUNE_POLL_MAX_MS: '100',
  });
  workers = await startWorkers(h, ['labeling', 'training'], 2);
  await createTask(h, 'tickets', ['billing', 'bug', 'other']);
  version = (await upload(h, '/v1/tasks/tickets/datasets?name=inbox', jsonl(TICKETS.map((text) => ({ text }))))).body
    .version.id;
});
afterEach(() => {
  labeler.requests.length = 0;
  server.requests.length = 0;
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await labeler?.close();
  await server?.close();
});

const chatCalls = (fake: OpenAIFake) => fake.requests.filter((request) => request.path === '/v1/chat/completions');

describe('named openai-compatible connections', () => {
  it('labels on the connection the run names, with its key and headers, and nothing reaches the other', async () => {
    const run = await waitForRun(
      h,
      (await startRun(h, version, { provider: 'lab', model: 'gpt-4o-mini', mode: 'zero_shot' })).id,
    );
    expect(run).toMatchObject({ status: 'completed', provider: 'lab', done: 4, labeled: 4 });
    const rows = await allExamples(h, run.result_version_id as string);
    expect(rows.map((row) => row.label)).toEqual(['billing', 'bug', 'billing', 'other']);
    const sent = chatCalls(labeler);
    expect(sent).toHaveLength(4);
    expect(sent[0]!.headers).toMatchObject({ authorization: `Bearer ${LAB_KEY}`, 'x-team': 'labeling' });
    expect(chatCalls(server)).toHaveLength(0);
    // Logprobs came back, so the results have confidences.
    const results = (await h.http().get(`/v1/label-runs/${run.id}/results`).set('authorization', auth)).body.data;
    expect(results[0].confidence).toBeCloseTo(0.9, 2);
  });

  it('serves a prompt-only fallback on the other connection; without logprobs the label comes from the text, confidence null', async () => {
    const fallback = await registerModel(h, 'tickets', { kind: 'prompt', provider: 'serve', name: 'served' });
    const model = await h.http().get(`/v1/model-versions/${fallback}`).set('authorization', auth);
    expect(model.body).toMatchObject({ provider: 'serve', model: 'gpt-4o-mini' });
    await route(h, 'tickets', { fallback });
    const response = await classify(h, 'tickets', { input: 'Please refund me' });
    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({
      label: 'billing',
      confidence: null,
      served_by: 'fallback',
      fallback_reason: 'no_champion',
    });
    expect(chatCalls(server)).toHaveLength(1);
    expect(chatCalls(server)[0]!.body).toMatchObject({ logprobs: true });
    expect(chatCalls(labeler)).toHaveLength(0);
    // The first answer without logprobs marks the model version: its confidences are none.
    expect(model.body).toMatchObject({ confidence_source: 'model', confidence_note: null });
    await expect
      .poll(async () => (await h.http().get(`/v1/model-versions/${fallback}`).set('authorization', auth)).body, {
        timeout: 5_000,
        interval: 50,
      })
      .toMatchObject({
        confidence_source: 'none',
        confidence_note: 'the server at connection "serve" returned no logprobs; confidence is null',
      });
  });

  it('asks a connection set `logprobs: false` for none, and its models say they have no confidences', async () => {
    await createTask(h, 'quiet-tickets', ['billing', 'bug', 'other']);
    const quiet = await registerModel(h, 'quiet-tickets', { kind: 'prompt', provider: 'quiet', name: 'quiet' });
    const model = await h.http().get(`/v1/model-versions/${quiet}`).set('authorization', auth);
    expect(model.body).toMatchObject({
      provider: 'quiet',
      confidence_source: 'none',
      confidence_note: 'the connection "quiet" is set `logprobs: false` (its server gives none); confidence is null',
    });
    await route(h, 'quiet-tickets', { fallback: quiet });
    const response = await classify(h, 'quiet-tickets', { input: 'The app crashes on start' });
    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({ label: 'bug', confidence: null });
    const [call] = chatCalls(server);
    expect(call!.body).not.toHaveProperty('logprobs');
    expect(call!.body).not.toHaveProperty('top_logprobs');
  });

  it('answers 400 naming an unknown connection, and 400 with what to set for an unconfigured one', async () => {
    const unknown = await h
      .http()
      .post(`/v1/dataset-versions/${version}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'nowhere', mode: 'zero_shot' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: 'unknown_provider',
      details: { provider: 'nowhere' },
      errors: [{ field: 'body.provider', message: 'unknown provider connection' }],
    });
    expect(unknown.body.detail).toContain('"nowhere"');
    const model = await h
      .http()
      .post('/v1/tasks/tickets/model-versions')
      .set('authorization', auth)
      .send({ kind: 'prompt', provider: 'nowhere', name: 'x' });
    expect(model.status).toBe(400);
    expect(model.body.code).toBe('unknown_provider');

    const unconfigured = await h
      .http()
      .post(`/v1/dataset-versions/${version}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'keyless', mode: 'zero_shot' });
    expect(unconfigured.status).toBe(400);
    expect(unconfigured.body).toMatchObject({ code: 'provider_not_configured' });
    expect(unconfigured.body.detail).toContain('set KEYLESS_API_KEY');
    const badName = await h
      .http()
      .post(`/v1/dataset-versions/${version}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'Not A Name', mode: 'zero_shot' });
    expect(badName.status).toBe(400);
    expect(badName.body.code).toBe('validation_failed');
  });

  it('lists every connection with kind, capabilities and health, probing each at most once per 30 s, and no secret', async () => {
    const list = async () => {
      const response = await h.http().get('/v1/providers').set('authorization', auth);
      expect(response.status).toBe(200);
      return response;
    };
    const response = await list();
    expect(response.text).not.toContain(LAB_KEY);
    const byName = Object.fromEntries(
      (response.body.data as { name: string }[]).map((provider) => [provider.name, provider]),
    );
    expect(Object.keys(byName)).toEqual(['openai', 'together', 'local', 'lab', 'serve', 'quiet', 'trainer', 'keyless']);
    expect(byName['lab']).toMatchObject({
      kind: 'openai-compatible',
      configured: true,
      base_url: labeler.url,
      capabilities: { runs: 'hosted', classifies: true, fine_tunes: false, config_hint: 'set LAB_KEY' },
      health: { ok: true },
    });
    expect(byName['serve']).toMatchObject({ configured: true, health: { ok: true } });
    expect(byName['trainer']).toMatchObject({
      capabilities: { fine_tunes: true, training_kind: 'fine_tuned', needs_key: false, config_hint: null },
    });
    expect(byName['keyless']).toMatchObject({ configured: false, health: null });
    expect(byName['openai']).toMatchObject({ kind: 'openai', configured: false, health: null });
    expect(byName['local']).toMatchObject({
      kind: 'local',
      configured: true,
      base_url: null,
      capabilities: { runs: 'in-process', training_kind: 'local_trained' },
      health: { ok: true, latency_ms: 0 },
    });
    await list();
    // `lab` and `trainer` share a server: one probe each, each with its own credentials.
    const probes = labeler.requests.filter((request) => request.path === '/v1/models');
    expect(probes.map((request) => request.headers['authorization']).sort()).toEqual([
      `Bearer ${LAB_KEY}`,
      'Bearer none',
    ]);
  });

  it('fine-tunes on a connection whose server trains, and refuses one whose server does not', async () => {
    const split = await splitDataset(h, 'titles');
    const refused = await createFineTune(h, 'titles', { dataset_version_id: split, provider: 'serve' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'body.provider', message: 'serve does not fine-tune' }]);
    const unknown = await createFineTune(h, 'titles', { dataset_version_id: split, provider: 'nowhere' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('unknown_provider');

    const created = await createFineTune(h, 'titles', { dataset_version_id: split, provider: 'trainer' });
    expect(created.status).toBe(202);
    const done = await waitForFineTune(h, created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', provider: 'trainer' });
    expect(labeler.state.jobs.has(done['provider_job_id'] as string)).toBe(true);
    expect(server.state.jobs.size).toBe(0);
  });

  it('needs the read scope', async () => {
    expect((await h.http().get('/v1/providers')).status).toBe(401);
  });
});

describe('a bad connections file', () => {
  it('stops start-up with a ConfigError listing every problem and where it is', () => {
    const file = connectionsFile([
      { name: 'lab', kind: 'bedrock', base_url: 'http://x' },
      { name: 'lab', kind: 'azure-openai', base_url: 'https://x', api_key_env: 'K' },
    ]);
    const start = () =>
      loadConfig({
        DATABASE_URL: 'postgres://localhost/x',
        REDIS_URL: 'redis://localhost',
        ADMIN_API_KEY: ADMIN_KEY,
        PROVIDER_CONNECTIONS_FILE: file,
      });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/connections\[0\]\.kind: must be one of openai, azure-openai, together, openai-compatible/);
    expect(start).toThrow(/connections\[1\]\.name: is not unique/);
    expect(start).toThrow(/connections\[1\]\.api_version: must be a non-empty string/);
  });
});
