import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel, route, storedPredictions } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { metricValue } from './helpers/metrics.js';
import { splitDataset } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let version: string;
let hosted: string;
let local: string;
const auth = bearer(ADMIN_KEY);
const TITLES_SCRIPT = {
  rules: [
    { contains: 'how to', answer: 'instructional' },
    { contains: 'tutorial', answer: 'instructional' },
  ],
  default: 'other',
};

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    CIRCUIT_MIN_CALLS: '3',
    CIRCUIT_RESET_MS: '400',
    PREDICTION_LOG_FLUSH_MS: '20',
  });
  version = await splitDataset(h, 'titles', 100);
  hosted = await registerModel(h, 'titles', {
    kind: 'prompt',
    provider: 'openai',
    model: 'gpt-4o-mini',
    name: 'hosted',
  });
  local = await registerModel(h, 'titles', {
    kind: 'prompt',
    provider: 'local',
    name: 'few-shot',
    few_shot_from: { dataset_version_id: version, k: 40 },
  });
  await route(h, 'titles', { champion: hosted, fallback: local });
});
afterEach(() => {
  fake.reset();
  fake.script(TITLES_SCRIPT);
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await h
    .http()
    .post('/v1/api-keys')
    .set('authorization', auth)
    .send({ name: 'caller', ...body });
  expect(response.status).toBe(201);
  return response.body.key as string;
}

describe('classify', () => {
  it('answers with the champion: label, confidence, probabilities, model and prediction id', async () => {
    fake.script(TITLES_SCRIPT);
    // Reading the log back needs `read`: a classify-only key may not.
    const key = await createKey({ scopes: ['classify', 'read'] });
    const response = await classify(h, 'titles', { input: 'how to escape mount' }, key);
    expect(response.status).toBe(200);
    const [result] = response.body.results;
    expect(result).toMatchObject({
      label: 'instructional',
      model_version_id: hosted,
      served_by: 'champion',
      fallback_reason: null,
    });
    expect(Object.keys(result.probabilities).sort()).toEqual(['instructional', 'other']);
    expect(result.confidence).toBe(result.probabilities.instructional);
    expect(result.prediction_id).toMatch(/^[0-9a-f-]{36}$/);

    const batch = await classify(h, 'titles', { inputs: ['full match', 'tutorial: guard pass', 'podcast'] }, key);
    expect(batch.body.results.map((r: { label: string }) => r.label)).toEqual(['other', 'instructional', 'other']);
    // Every prediction reaches the log with what was asked and answered.
    const stored = await h.http().get(`/v1/predictions/${result.prediction_id}`).set('authorization', bearer(key));
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      input: 'how to escape mount',
      label: 'instructional',
      served_by: 'champion',
      model_version_id: hosted,
      feedback: null,
    });
  });

  it('needs the classify scope and exactly one of input and inputs', async () => {
    const writer = await createKey({ scopes: ['write'] });
    expect((await classify(h, 'titles', { input: 'x' }, writer)).status).toBe(403);
    const both = await classify(h, 'titles', { input: 'x', inputs: ['y'] });
    expect(both.status).toBe(400);
    expect(both.headers['content-type']).toContain('application/problem+json');
    expect(both.body.errors).toEqual([{ field: 'body.inputs', message: 'cannot be sent with input' }]);
    expect((await classify(h, 'titles', {})).body.errors[0].field).toBe('body.input');
    const tooMany = await classify(h, 'titles', { inputs: Array.from({ length: 101 }, (_, i) => `t${i}`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('body.inputs');
    expect((await classify(h, 'titles', { input: '' })).body.errors[0].field).toBe('body.input');
    expect((await classify(h, 'nope', { input: 'x' })).status).toBe(404);
  });

  it('falls back when the champion exceeds the task’s time budget', async () => {
    await h.http().patch('/v1/tasks/titles/routing').set('authorization', auth).send({ timeout_ms: 100 }).expect(200);
    fake.configure({ faults: { latencyMs: 1_000 } });
    try {
      const response = await classify(h, 'titles', { input: 'how to escape mount' });
      expect(response.status).toBe(200);
      expect(response.body.results[0]).toMatchObject({
        served_by: 'fallback',
        model_version_id: local,
        fallback_reason: 'timeout',
      });
    } finally {
      await h
        .http()
        .patch('/v1/tasks/titles/routing')
        .set('authorization', auth)
        .send({ timeout_ms: 2_000 })
        .expect(200);
    }
  });

  it('opens the champion’s circuit after repeated failures and closes it once the champion recovers', async () => {
    fake.configure({ faults: { errorRate: 1 } });
    // The circuit opens once failures pass half of the window's calls (earlier tests succeeded).
    const reasons: string[] = [];
    while (reasons.at(-1) !== 'circuit_open' && reasons.length < 20) {
      reasons.push((await classify(h, 'titles', { input: `drill ${reasons.length}` })).body.results[0].fallback_reason);
    }
    expect(reasons.at(-1)).toBe('circuit_open');
    expect(new Set(reasons.slice(0, -1))).toEqual(new Set(['server_error']));
    // While open, the champion is not even called.
    const calls = fake.stats().requests.total;
    expect((await classify(h, 'titles', { input: 'drill 5' })).body.results[0].fallback_reason).toBe('circuit_open');
    expect(fake.stats().requests.total).toBe(calls);

    fake.configure({ faults: { errorRate: 0 } });
    await expect
      .poll(async () => (await classify(h, 'titles', { input: 'how to drill' })).body.results[0].served_by, {
        timeout: 5_000,
        interval: 100,
      })
      .toBe('champion');
    const metrics = await h.http().get('/metrics').set('authorization', auth);
    expect(
      metricValue(metrics.text, 'tuneline_circuit_transitions_total', { model_version: hosted, state: 'open' }),
    ).toBe(1);
    expect(
      metricValue(metrics.text, 'tuneline_circuit_transitions_total', { model_version: hosted, state: 'closed' }),
    ).toBe(1);
  });

  it('answers 503 with retry-after, never a label, when champion and fallback both fail, and logs the failure', async () => {
    await splitDataset(h, 'pair', 20);
    const first = await registerModel(h, 'pair', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4o-mini',
      name: 'a',
    });
    const second = await registerModel(h, 'pair', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4.1-mini',
      name: 'b',
    });
    await route(h, 'pair', { champion: first, fallback: second });
    fake.configure({ faults: { errorRate: 1 } });
    const response = await classify(h, 'pair', { input: 'how to escape mount' });
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(response.body.code).toBe('no_model_available');
    const [failure] = response.body.details.failures;
    expect(failure).toMatchObject({ index: 0, champion_error: 'server_error', fallback_error: 'server_error' });
    const stored = await h.http().get(`/v1/predictions/${failure.prediction_id}`).set('authorization', auth);
    expect(stored.body).toMatchObject({ label: null, served_by: null, error_code: 'no_model_answered' });
  });

  it('takes a model the provider no longer has out of routing, with an event and a metric', async () => {
    await splitDataset(h, 'gone', 20);
    const doomed = await registerModel(h, 'gone', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4.1-nano',
      name: 'doomed',
    });
    const spare = await registerModel(h, 'gone', { kind: 'prompt', provider: 'local', name: 'spare' });
    await route(h, 'gone', { champion: doomed, fallback: spare });
    fake.configure({ models: { retired: ['gpt-4.1-nano'] } });
    const response = await classify(h, 'gone', { input: 'how to escape mount' });
    expect(response.body.results[0]).toMatchObject({ served_by: 'fallback', fallback_reason: 'model_not_found' });
    await expect
      .poll(async () => (await h.http().get('/v1/tasks/gone/routing').set('authorization', auth)).body.champion_id, {
        timeout: 3_000,
      })
      .toBeNull();
    const history = await h.http().get('/v1/tasks/gone/routing/history').set('authorization', auth);
    expect(history.body.data[0]).toMatchObject({ action: 'retire', from_model_id: doomed, actor: 'classify' });
    const model = await h.http().get(`/v1/model-versions/${doomed}`).set('authorization', auth);
    expect(model.body.status).toBe('retired');
    // The route reloads: the fallback now serves without the champion being tried.
    await expect
      .poll(async () => (await classify(h, 'gone', { input: 'x' })).body.results[0].fallback_reason, { timeout: 3_000 })
      .toBe('no_champion');
    const metrics = await h.http().get('/metrics').set('authorization', auth);
    expect(metricValue(metrics.text, 'tuneline_models_retired_total', { reason: 'model_not_found' })).toBe(1);
  });

  it('retires a hosted model past its provider’s shutdown date as soon as it is routed', async () => {
    await splitDataset(h, 'old', 20);
    // Registered while it served (Tuneline's own table has no date for it); then the provider's
    // GET /models says it has shut down. (A model already past its date cannot be registered.)
    const legacy = await registerModel(h, 'old', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4.1-nano-2025-04-14',
      name: 'legacy',
    });
    fake.configure({ models: { shutdownDates: { 'gpt-4.1-nano-2025-04-14': '2026-10-23' } } });
    const spare = await registerModel(h, 'old', { kind: 'prompt', provider: 'local', name: 'spare' });
    await route(h, 'old', { champion: legacy, fallback: spare });
    await classify(h, 'old', { input: 'how to escape mount' });
    await expect
      .poll(async () => (await h.http().get(`/v1/model-versions/${legacy}`).set('authorization', auth)).body.status, {
        timeout: 3_000,
      })
      .toBe('retired');
    const history = await h.http().get('/v1/tasks/old/routing/history').set('authorization', auth);
    expect(history.body.data[0].reason).toMatch(/past its shutdown date/);
  });

  it('records every prediction of a burst, each once', async () => {
    fake.configure({ faults: { latencyMs: 5 } });
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        classify(h, 'titles', { inputs: [`how to ${i}`, `vlog ${i}`, `news ${i}`] }),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const ids = responses.flatMap((response) =>
      response.body.results.map((r: { prediction_id: string }) => r.prediction_id),
    );
    expect(new Set(ids).size).toBe(180);
    await expect.poll(() => storedPredictions(h, ids), { timeout: 5_000 }).toBe(180);
  });

  it('keeps the input text only while the task allows it', async () => {
    await h.http().patch('/v1/tasks/titles/routing').set('authorization', auth).send({ log_inputs: false }).expect(200);
    try {
      const response = await classify(h, 'titles', { input: 'secret title' });
      const stored = await h
        .http()
        .get(`/v1/predictions/${response.body.results[0].prediction_id}`)
        .set('authorization', auth);
      expect(stored.body.input).toBeNull();
      expect(stored.body.input_hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await h
        .http()
        .patch('/v1/tasks/titles/routing')
        .set('authorization', auth)
        .send({ log_inputs: true })
        .expect(200);
    }
  });
});

describe('Idempotency-Key', () => {
  it('returns the same prediction for the same key and body, stored once', async () => {
    const send = () =>
      h
        .http()
        .post('/v1/tasks/titles/classify')
        .set('authorization', auth)
        .set('idempotency-key', 'req-1')
        .send({ input: 'how to escape mount' });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    const id = first.body.results[0].prediction_id;
    await expect.poll(() => storedPredictions(h, [id])).toBe(1);
  });

  it('refuses the same key with another body (422) and while the first is in flight (409)', async () => {
    await h
      .http()
      .post('/v1/tasks/titles/classify')
      .set('authorization', auth)
      .set('idempotency-key', 'req-2')
      .send({ input: 'a' })
      .expect(200);
    const other = await h
      .http()
      .post('/v1/tasks/titles/classify')
      .set('authorization', auth)
      .set('idempotency-key', 'req-2')
      .send({ input: 'b' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');

    fake.configure({ faults: { latencyMs: 500 } });
    const send = () =>
      h
        .http()
        .post('/v1/tasks/titles/classify')
        .set('authorization', auth)
        .set('idempotency-key', 'req-3')
        .send({ input: 'slow' });
    const slow = send().then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const concurrent = await send();
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.code).toBe('idempotency_key_in_flight');
    expect((await slow).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('limits classify per API key, with problem+json and retry-after', async () => {
    const limited = await createKey({ scopes: ['classify'], rate_limit_per_minute: 3 });
    const other = await createKey({ scopes: ['classify'] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await classify(h, 'titles', { input: 'vlog' }, limited)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await classify(h, 'titles', { input: 'vlog' }, limited);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'rate_limited', details: { limit: 3, window_seconds: 60 } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another key has its own budget.
    expect((await classify(h, 'titles', { input: 'vlog' }, other)).status).toBe(200);
  });
});
