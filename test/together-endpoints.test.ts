import { randomUUID } from 'node:crypto';
import Together from 'together-ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherFake, type TogetherFake } from './fakes/together/index.js';
import { createSpecValidator } from './fakes/together/schemas/load-spec.js';
import { classify, registerModel, route } from './helpers/classify.js';
import { createTask } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

/**
 * Dedicated endpoints at Together, through the HTTP API against the Together fake, where a model
 * that is not serverless (a fine-tunable base model, fine-tuned models with
 * `servingRequiresEndpoint`) answers chat only through a started endpoint: started on request,
 * priced from /hardware, shown on the model version and in cost projections, used by classify
 * under its name, and stopped when the model is rolled back from or retired, or on request.
 */

const NOT_SERVERLESS = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';
const CHAT_MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo';
const H100 = '1x_nvidia_h100_80gb_sxm';
/** The fake's price for it: 5.6 cents a minute. */
const H100_USD_PER_MINUTE = 0.056;

const auth = bearer(ADMIN_KEY);
const spec = createSpecValidator();
let fake: TogetherFake;
let h: Harness;

beforeAll(async () => {
  fake = await startTogetherFake({
    servingRequiresEndpoint: true,
    endpointTiming: { pendingMs: 20, startingMs: 40, stoppingMs: 20 },
    script: { rules: [{ contains: 'cheap', answer: 'spam' }], default: 'ham' },
  });
  h = await createHarness({ TOGETHER_API_KEY: 'tg-test-key', TOGETHER_BASE_URL: fake.url });
});
afterEach(() => {
  // Every request Tuneline's Together code sent is an operation of the spec with a valid body.
  const problems: string[] = [];
  for (const entry of fake.requests) {
    const operation = spec.operationFor(entry.method, entry.path);
    if (!operation) {
      problems.push(`${entry.method} ${entry.path} is no operation of the spec`);
      continue;
    }
    const declared = new Set(
      (spec.spec.operations[operation]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    );
    for (const name of Object.keys(entry.query))
      if (!declared.has(name)) problems.push(`${operation}: undeclared ?${name}`);
    if (spec.spec.operations[operation]?.requestBody && entry.body !== undefined)
      for (const problem of spec.validateRequest(operation, entry.body)) problems.push(`${operation}: ${problem}`);
  }
  expect(problems).toEqual([]);
  fake.reset();
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const endpointPath = (model: string) => `/v1/model-versions/${model}/endpoint`;
const startEndpoint = (model: string, body: Record<string, unknown> = { hardware: H100 }) =>
  h.http().post(endpointPath(model)).set('authorization', auth).send(body);
const getEndpoint = (model: string) => h.http().get(endpointPath(model)).set('authorization', auth);
const sent = (method: string, path: string) =>
  fake.requests.filter((request) => request.method === method && request.path.startsWith(`/v1${path}`));

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const untilState = (model: string, state: string) =>
  until(
    `endpoint ${state}`,
    async () => (await getEndpoint(model)).body,
    (body) => body.state === state,
  );

/** A task with a serverless prompt-only model (champion first, and the fallback) and a model that needs an endpoint. */
async function setUp() {
  const slug = `ep-${randomUUID().slice(0, 8)}`;
  await createTask(h, slug, ['spam', 'ham']);
  const prompt = await registerModel(h, slug, { kind: 'prompt', provider: 'together', model: CHAT_MODEL });
  const tuned = await registerModel(h, slug, { kind: 'fine_tuned', provider: 'together', model: NOT_SERVERLESS });
  return { slug, prompt, tuned };
}

describe('a dedicated endpoint for a model version', () => {
  it('is started on request, priced, shown, used by classify under its name, counted in projections, and stopped on rollback', async () => {
    const { slug, prompt, tuned } = await setUp();
    await route(h, slug, { champion: prompt });
    await route(h, slug, { champion: tuned });

    // Without an endpoint the model cannot answer: classify falls back, as before.
    const before = await classify(h, slug, { input: 'buy cheap pills' });
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.results[0]).toMatchObject({ served_by: 'fallback', model_version_id: prompt });

    const created = await startEndpoint(tuned, { hardware: H100, min_replicas: 1, max_replicas: 2 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      state: 'pending',
      provider: 'together',
      hardware: H100,
      min_replicas: 1,
      max_replicas: 2,
      stopped_at: null,
    });
    expect(created.body.price_per_minute_usd).toBeCloseTo(H100_USD_PER_MINUTE, 12);
    expect(created.body.price_per_day_usd).toBeCloseTo(H100_USD_PER_MINUTE * 1440, 10);
    const [atFake] = [...fake.state.endpoints.values()];
    expect(atFake).toMatchObject({
      id: created.body.provider_endpoint_id,
      name: created.body.name,
      model: NOT_SERVERLESS,
      hardware: H100,
      displayName: `tuneline-${created.body.id}`,
      autoscaling: { min_replicas: 1, max_replicas: 2 },
    });
    expect(sent('GET', '/hardware')[0]?.query).toEqual({ model: NOT_SERVERLESS });

    const started = await untilState(tuned, 'started');
    expect(started.started_at).not.toBeNull();
    const view = await h.http().get(`/v1/model-versions/${tuned}`).set('authorization', auth).expect(200);
    expect(view.body.endpoint).toMatchObject({ state: 'started', hardware: H100, name: created.body.name });
    expect(view.body.endpoint.price_per_minute_usd).toBeCloseTo(H100_USD_PER_MINUTE, 12);
    const listed = await h.http().get(`/v1/tasks/${slug}/model-versions`).set('authorization', auth).expect(200);
    const byId = new Map(listed.body.data.map((model: { id: string }) => [model.id, model]));
    expect(byId.get(tuned)).toMatchObject({ endpoint: { state: 'started' } });
    expect(byId.get(prompt)).toMatchObject({ endpoint: null });

    // Classify now reaches the model through the endpoint, naming it as the model.
    const chats = sent('POST', '/chat/completions').length;
    const through = await classify(h, slug, { input: 'buy cheap pills' });
    expect(through.body.results[0]).toMatchObject({ served_by: 'champion', model_version_id: tuned, label: 'spam' });
    const asked = sent('POST', '/chat/completions').slice(chats);
    expect(asked.map((request) => (request.body as { model: string }).model)).toEqual([created.body.name]);

    // The projection: a day of uptime in every day, tokens unbilled on the endpoint.
    const projected = await h
      .http()
      .post('/v1/cost-projections?include=daily')
      .set('authorization', auth)
      .send({ daily_volume: 1000, daily_growth: 0, horizon_days: 30, options: [{ model_version_id: tuned }] })
      .expect(200);
    const [option] = projected.body.options;
    expect(option.price_source).toBe('dedicated_endpoint');
    expect(option.endpoint_usd_per_day).toBeCloseTo(80.64, 10);
    expect(option.per_call_usd).toBe(0);
    expect(option.daily_usd[0]).toBeCloseTo(80.64, 10);
    expect(option.total_usd).toBeCloseTo(80.64 * 30, 8);

    // Rolling back away from the model stops its endpoint (deleted at the provider).
    await h
      .http()
      .post(`/v1/tasks/${slug}/routing/rollback`)
      .set('authorization', auth)
      .send({ reason: 'worse in production' })
      .expect(200);
    await until(
      'the endpoint deleted at the fake',
      async () => fake.state.endpoints.size,
      (size) => size === 0,
    );
    const stopped = await untilState(tuned, 'stopped');
    expect(stopped).toMatchObject({ stop_reason: 'rolled back: worse in production', last_error: null });
    expect(stopped.stopped_at).not.toBeNull();
    expect(sent('DELETE', `/endpoints/${created.body.provider_endpoint_id}`)).toHaveLength(1);
    const after = await classify(h, slug, { input: 'buy cheap pills' });
    expect(after.body.results[0]).toMatchObject({ served_by: 'champion', model_version_id: prompt });
  });

  it('is stopped when its model is retired, and on request; a stopped model can get a new one', async () => {
    const { tuned } = await setUp();
    const first = await startEndpoint(tuned);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await untilState(tuned, 'started');
    const stopped = await h.http().delete(endpointPath(tuned)).set('authorization', auth).expect(200);
    expect(stopped.body).toMatchObject({ state: 'stopped', stop_reason: 'stopped on request' });
    expect(fake.state.endpoints.has(first.body.provider_endpoint_id)).toBe(false);
    await h.http().delete(endpointPath(tuned)).set('authorization', auth).expect(404);

    const second = await startEndpoint(tuned);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    await h
      .http()
      .post(`/v1/model-versions/${tuned}/retire`)
      .set('authorization', auth)
      .send({ reason: 'replaced' })
      .expect(200);
    const retired = await untilState(tuned, 'stopped');
    expect(retired.stop_reason).toBe('retired: replaced');
    expect(fake.state.endpoints.size).toBe(0);
  });

  it('keeps a failed stop as stopping and retries it until the provider confirms', async () => {
    const { tuned } = await setUp();
    const created = await startEndpoint(tuned);
    fake.configure({ faults: { statusSequence: [500], paths: ['/endpoints/'] } });
    const stopping = await h.http().delete(endpointPath(tuned)).set('authorization', auth).expect(200);
    expect(stopping.body.state).toBe('stopping');
    expect(stopping.body.last_error).toMatch(/^stop failed/);
    expect(fake.state.endpoints.has(created.body.provider_endpoint_id)).toBe(true);

    // The sweep (workers run it every minute) tries again.
    await h.runtime.services.modelEndpoints.resumeActive();
    const done = (await getEndpoint(tuned)).body;
    expect(done).toMatchObject({ state: 'stopped', stop_reason: 'stopped on request', last_error: null });
    expect(fake.state.endpoints.size).toBe(0);
  });

  it('adopts an endpoint whose create answer was lost, found by its display name', async () => {
    const { tuned } = await setUp();
    // The row as start() writes it before asking, then the endpoint as Together made it.
    const id = randomUUID();
    await h.runtime.database.pool.query(
      `INSERT INTO model_endpoints (id, model_version_id, provider, display_name, hardware, min_replicas, max_replicas, price_per_minute_usd)
       VALUES ($1, $2, 'together', $3, $4, 1, 1, $5)`,
      [id, tuned, `tuneline-${id}`, H100, H100_USD_PER_MINUTE],
    );
    const together = new Together({ apiKey: 'tg-test-key', baseURL: fake.url, maxRetries: 0 });
    await together.endpoints.create({
      model: NOT_SERVERLESS,
      hardware: H100,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      display_name: 'someone else',
    });
    const lost = await together.endpoints.create({
      model: NOT_SERVERLESS,
      hardware: H100,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      display_name: `tuneline-${id}`,
    });
    await h.runtime.services.modelEndpoints.resumeActive();
    const adopted = (await getEndpoint(tuned)).body;
    expect(adopted).toMatchObject({ id, provider_endpoint_id: lost.id, name: lost.name });
    expect(['pending', 'starting', 'started']).toContain(adopted.state);
    // Tuneline stops only what it started: the other endpoint is left alone.
    await h.http().delete(endpointPath(tuned)).set('authorization', auth).expect(200);
    expect([...fake.state.endpoints.values()].map((endpoint) => endpoint.displayName)).toEqual(['someone else']);
  });
});

describe('refusals', () => {
  const problem = (response: { status: number; body: { errors?: { field: string }[] } }, status: number) => {
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    return response.body.errors?.map((entry) => entry.field) ?? [];
  };

  it('unknown or unavailable hardware, bad replicas, a second endpoint, a retired or local model', async () => {
    const { slug, tuned } = await setUp();
    expect(problem(await startEndpoint(tuned, { hardware: 'nope' }), 400)).toEqual(['body.hardware']);
    fake.configure({ faults: { unavailableHardware: [H100] } });
    const unavailable = await startEndpoint(tuned);
    expect(problem(unavailable, 400)).toEqual(['body.hardware']);
    expect(JSON.stringify(unavailable.body)).toContain('unavailable');
    fake.configure({ faults: { unavailableHardware: [] } });
    expect(problem(await startEndpoint(tuned, { hardware: H100, min_replicas: 3, max_replicas: 2 }), 400)).toEqual([
      'body.max_replicas',
    ]);
    expect(problem(await startEndpoint(tuned, { hardware: H100, max_replicas: 100 }), 400).length).toBe(1);
    expect(problem(await startEndpoint(tuned, {}), 400).length).toBe(1);
    expect(sent('POST', '/endpoints')).toHaveLength(0);

    expect((await startEndpoint(tuned)).status).toBe(201);
    const twice = await startEndpoint(tuned);
    expect(twice.status).toBe(409);
    expect(twice.headers['content-type']).toContain('application/problem+json');
    expect(sent('POST', '/endpoints')).toHaveLength(1);

    const local = await registerModel(h, slug, { kind: 'prompt', provider: 'local' });
    const refused = await startEndpoint(local);
    expect(problem(refused, 400)).toEqual(['path.model_version']);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const other = await registerModel(h, slug, { kind: 'fine_tuned', provider: 'together', model: NOT_SERVERLESS });
    await h.http().post(`/v1/model-versions/${other}/retire`).set('authorization', auth).send({}).expect(200);
    expect(problem(await startEndpoint(other), 400)).toEqual(['path.model_version']);
    await h.http().get(endpointPath(other)).set('authorization', auth).expect(404);
    await h.http().post(endpointPath(randomUUID())).set('authorization', auth).send({ hardware: H100 }).expect(404);
  });

  it('the providers list says which connections have dedicated endpoints', async () => {
    const listed = await h.http().get('/v1/providers').set('authorization', auth).expect(200);
    const flags = Object.fromEntries(
      listed.body.data.map((entry: { name: string; capabilities: { dedicated_endpoints: boolean } }) => [
        entry.name,
        entry.capabilities.dedicated_endpoints,
      ]),
    );
    expect(flags).toMatchObject({ together: true, openai: false, local: false });
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer and starts one endpoint', async () => {
    const { tuned } = await setUp();
    const key = `key-${randomUUID()}`;
    const post = () =>
      h
        .http()
        .post(endpointPath(tuned))
        .set('authorization', auth)
        .set('idempotency-key', key)
        .send({ hardware: H100 });
    const first = await post();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await post();
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(sent('POST', '/endpoints')).toHaveLength(1);
    expect(fake.state.endpoints.size).toBe(1);
  });
});
