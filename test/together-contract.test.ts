import Together from 'together-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherFake, type TogetherFake } from './fakes/together/index.js';
import { DEFAULT_SPEC_PATH, extractSubset, SOURCE } from './fakes/together/schemas/extract-spec-subset.js';
import { createSpecValidator, loadSpecSubset } from './fakes/together/schemas/load-spec.js';
import {
  excerptMatchesSpecFile,
  expectRequestsInSpec,
  expectValid,
  onTheWire,
  postMalformedJson,
  rawRequests,
} from './helpers/spec-contract.js';
import { BASE_MODEL, chatRows, jsonl, SERVERLESS_MODEL, SYSTEM, uploadFile } from './helpers/together.js';
import { togetherClient } from '../src/providers/together/together-classifier.js';
import { togetherEndpoints } from '../src/providers/together/together-endpoints.js';

/**
 * Holds the Together fake to Together's official OpenAPI description: its responses must validate
 * against the schemas the spec declares for each operation (inline or components), and the
 * requests the official SDK sends against the request schemas and declared query parameters.
 * The schemas come from a committed excerpt (fakes/together/schemas/together-spec-subset.json);
 * the first tests tie that excerpt to the spec file when it is there (`../shared` next to the clone).
 */

const spec = createSpecValidator();

let clock = Date.now();
let fake: TogetherFake;
let client: Together;

beforeAll(async () => {
  // `jobIds: 'uuid'`: the spec gives FinetuneResponse.id `format: uuid` (a test below shows the live `ft-` form).
  fake = await startTogetherFake({
    now: () => clock,
    jobIds: 'uuid',
    jobTiming: {
      pendingMs: 1_000,
      queuedMs: 1_000,
      runningMs: 10_000,
      compressingMs: 1_000,
      uploadingMs: 1_000,
      cancellingMs: 1_000,
    },
    endpointTiming: { pendingMs: 1_000, startingMs: 1_000, stoppingMs: 1_000 },
  });
  client = new Together({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake?.close();
});

/** Sends through the SDK, then validates the body on the wire against the operation's declared response. */
const wire = (call: { asResponse(): Promise<Response> }, operation: string) =>
  onTheWire(call, 200, (body) => spec.validateResponse(operation, '200', body), operation);

const raw = rawRequests(() => fake.url);

const trainingFile = async (rows = 24) => (await uploadFile(client, jsonl(chatRows(rows)))).id;

describe('the spec excerpt', () => {
  it('names the official spec commit it was cut from', () => {
    const subset = loadSpecSubset();
    expect(subset.source).toMatchObject({
      repository: SOURCE.repository,
      commit: '090263aa0fde006d9cd958bef52719958079bbc4',
      infoVersion: '2.0.0',
    });
    expect(Object.keys(subset.operations)).toHaveLength(24);
  });

  excerptMatchesSpecFile({ specPath: DEFAULT_SPEC_PATH, loadSubset: loadSpecSubset, extract: extractSubset });

  it('rejects what the spec forbids, so passing means something', () => {
    expect(spec.validate('ErrorData', { error: { message: 'm' } })).not.toEqual([]);
    expect(
      spec.validate('FinetuneResponseTruncated', { id: 'ft-1', status: 'pending', created_at: '2026-01-01T00:00:00Z' }),
    ).not.toEqual([]);
    expect(spec.validate('FinetuneJobStatus', 'succeeded')).not.toEqual([]);
    expect(spec.validate('ChatCompletionRequest', { model: 'm', messages: [], logprobs: 21 })).not.toEqual([]);
    expect(spec.validate('ChatCompletionRequest', { model: 'm', messages: [], logprobs: true })).not.toEqual([]);
    expect(spec.validate('CreateEndpointRequest', { model: 'm', hardware: 'h' })).not.toEqual([]);
    expect(spec.validateResponse('GET /models', '200', { data: [] })).not.toEqual([]);
  });
});

describe('responses of the fake', () => {
  it('chat completions, with Together-shaped logprobs, echo, and without', async () => {
    fake.script({ table: { 'buy now': { answer: 'spam', distribution: { spam: 0.7, ham: 0.25 } } }, default: 'ham' });
    const messages = [
      { role: 'system' as const, content: SYSTEM },
      { role: 'user' as const, content: 'buy now' },
    ];
    const body = await wire(
      client.chat.completions.create({ model: SERVERLESS_MODEL, messages, logprobs: 5, max_tokens: 1, temperature: 0 }),
      'POST /chat/completions',
    );
    expect(body['choices']).toMatchObject([{ message: { content: 'spam' }, logprobs: { tokens: ['spam'] } }]);
    await wire(
      client.chat.completions.create({ model: SERVERLESS_MODEL, messages, n: 2, stop: ['\n'], echo: true, seed: 7 }),
      'POST /chat/completions',
    );
  });

  it('the live per-token top_logprobs shape is not what the spec allows (so it is opt-in)', async () => {
    fake.configure({ topLogprobsShape: 'per-token' });
    const response = await client.chat.completions
      .create({ model: SERVERLESS_MODEL, messages: [{ role: 'user', content: 'x' }], logprobs: 2 })
      .asResponse();
    expect(spec.validateResponse('POST /chat/completions', '200', await response.json())).not.toEqual([]);
    fake.configure({ topLogprobsShape: 'spec' });
  });

  it('models, hardware and the fine-tuning catalogue', async () => {
    await wire(client.models.list(), 'GET /models');
    await wire(client.models.list({ dedicated: true }), 'GET /models');
    await wire(client.endpoints.listHardware(), 'GET /hardware');
    await wire(client.endpoints.listHardware({ model: BASE_MODEL }), 'GET /hardware');
    await wire(client.get('/fine-tunes/models/supported'), 'GET /fine-tunes/models/supported');
    await wire(client.fineTuning.modelLimits({ model_name: BASE_MODEL }), 'GET /fine-tunes/models/limits');
    const missing = await raw('GET', '/fine-tunes/models/limits?model_name=nobody/nothing');
    expect(missing.status).toBe(404);
    expectValid(
      spec.validateResponse('GET /fine-tunes/models/limits', '404', missing.body),
      missing.body,
      'limits 404',
    );
  });

  it('files: upload, list, retrieve, delete', async () => {
    const upload = await wire(uploadFile(client, jsonl(chatRows(3))), 'POST /files/upload');
    const id = String(upload['id']);
    await wire(client.files.list(), 'GET /files');
    await wire(client.files.retrieve(id), 'GET /files/{id}');
    const content = await client.files.content(id);
    expect(content.headers.get('content-type')).toMatch(/^text\/plain/);
    await wire(client.files.delete(id), 'DELETE /files/{id}');
  });

  it('fine-tunes in every state, their events, checkpoints and metrics', async () => {
    const file = await trainingFile();
    const validation = await trainingFile(6);
    const job = await wire(
      client.fineTuning.create({
        model: BASE_MODEL,
        training_file: file,
        validation_file: validation,
        n_epochs: 3,
        n_checkpoints: 3,
        n_evals: 3,
        batch_size: 8,
        learning_rate: 0.0001,
        warmup_ratio: 0.1,
        suffix: 'contract',
        training_type: { type: 'Lora', lora_r: 16, lora_alpha: 32, lora_dropout: 0.05 },
        training_method: { method: 'sft', train_on_inputs: false },
        wandb_api_key: 'wandb-key',
        wandb_project_name: 'tuneline',
      }),
      'POST /fine-tunes',
    );
    const id = String(job['id']);
    const cancelled = await client.fineTuning.create({
      model: BASE_MODEL,
      training_file: file,
      training_type: { type: 'Full' },
    });
    fake.configure({ faults: { failJobs: { message: 'Training failed: CUDA out of memory.' } } });
    const failed = await client.fineTuning.create({ model: BASE_MODEL, training_file: file });
    fake.configure({ faults: { failJobs: undefined } });

    const statusAfter = async (ms: number, jobId = id) => {
      clock += ms;
      return (await wire(client.fineTuning.retrieve(jobId), 'GET /fine-tunes/{id}'))['status'];
    };
    expect(await statusAfter(0)).toBe('pending');
    expect(await statusAfter(1_000)).toBe('queued');
    expect(await statusAfter(1_000)).toBe('running');
    expect(await statusAfter(0, failed.id)).toBe('error');
    expect((await wire(client.fineTuning.cancel(cancelled.id), 'POST /fine-tunes/{id}/cancel'))['status']).toBe(
      'cancel_requested',
    );
    expect(await statusAfter(1_000, cancelled.id)).toBe('cancelled');
    expect(await statusAfter(9_000)).toBe('compressing');
    expect(await statusAfter(1_000)).toBe('uploading');
    expect(await statusAfter(1_000)).toBe('completed');

    await wire(client.fineTuning.list(), 'GET /fine-tunes');
    const events = await wire(client.fineTuning.listEvents(id), 'GET /fine-tunes/{id}/events');
    expect((events['data'] as unknown[]).length).toBeGreaterThan(10);
    const checkpoints = await wire(client.fineTuning.listCheckpoints(id), 'GET /fine-tunes/{id}/checkpoints');
    expect((checkpoints['data'] as unknown[]).length).toBe(3);
    await wire(client.fineTuning.listMetrics(id), 'GET /fine-tunes/{id}/metrics');
    // Continued training from the completed job: its final checkpoint (the job id), or one step of it.
    const step = (checkpoints['data'] as { step: number }[])[0]!.step;
    for (const from of [id, `${id}:${step}`]) {
      const continued = await wire(
        client.fineTuning.create({ model: BASE_MODEL, training_file: file, from_checkpoint: from }),
        'POST /fine-tunes',
      );
      expect(continued['from_checkpoint']).toBe(from);
      expect(spec.validateRequest('POST /fine-tunes', fake.requests.at(-1)!.body)).toEqual([]);
      await wire(client.fineTuning.retrieve(String(continued['id'])), 'GET /fine-tunes/{id}');
    }
    await wire(
      client.fineTuning.estimatePrice({ training_file: file, model: BASE_MODEL, n_epochs: 2 }),
      'POST /fine-tunes/estimate-price',
    );
    await wire(client.fineTuning.delete(String(failed.id)), 'DELETE /fine-tunes/{id}');
  });

  it('fine-tune objects cut to the required fields (faults.minimalJobs) still validate', async () => {
    const file = await trainingFile();
    fake.configure({ faults: { minimalJobs: true } });
    const job = await wire(client.fineTuning.create({ model: BASE_MODEL, training_file: file }), 'POST /fine-tunes');
    expect(Object.keys(job).sort()).toEqual(['created_at', 'id', 'status', 'updated_at']);
    await wire(client.fineTuning.retrieve(String(job['id'])), 'GET /fine-tunes/{id}');
    await wire(client.fineTuning.list(), 'GET /fine-tunes');
    fake.configure({ faults: { minimalJobs: false } });
  });

  it('with live `ft-` ids, FinetuneResponse breaks only its own `format: uuid`', async () => {
    fake.configure({ jobIds: 'ft-uuid' });
    const job = await client.fineTuning.create({ model: BASE_MODEL, training_file: await trainingFile() });
    fake.configure({ jobIds: 'uuid' });
    expect(job.id).toMatch(/^ft-[0-9a-f-]{36}$/);
    const body = await (await client.fineTuning.retrieve(job.id).asResponse()).json();
    expect(spec.validateResponse('GET /fine-tunes/{id}', '200', body)).toEqual([
      expect.stringMatching(/^\/id must match format "uuid"/),
    ]);
    expectValid(spec.validateResponse('POST /fine-tunes', '200', job), job, 'truncated, whose id has no format');
  });

  it('endpoints: create, list, retrieve, update, delete', async () => {
    const created = await wire(
      client.endpoints.create({
        model: SERVERLESS_MODEL,
        hardware: '1x_nvidia_h100_80gb_sxm',
        autoscaling: { min_replicas: 1, max_replicas: 2 },
        display_name: 'contract',
      }),
      'POST /endpoints',
    );
    const id = String(created['id']);
    await wire(client.endpoints.list(), 'GET /endpoints');
    await wire(client.endpoints.list({ type: 'dedicated', mine: true }), 'GET /endpoints');
    clock += 2_000;
    expect((await wire(client.endpoints.retrieve(id), 'GET /endpoints/{endpointId}'))['state']).toBe('STARTED');
    await wire(
      client.endpoints.update(id, {
        state: 'STOPPED',
        autoscaling: { min_replicas: 1, max_replicas: 3 },
        inactive_timeout: 10,
      }),
      'PATCH /endpoints/{endpointId}',
    );
    const deleted = await client.endpoints.delete(id).asResponse();
    expect(deleted.status).toBe(204);
  });

  it('errors: every status the fake produces uses the ErrorData envelope', async () => {
    const chat = { model: SERVERLESS_MODEL, messages: [{ role: 'user', content: 'x' }] };
    const cases: [string, () => Promise<{ status: number; body: unknown }>, number][] = [
      ['bad request', () => raw('POST', '/chat/completions', { ...chat, logprobs: true }), 400],
      ['missing key', () => raw('GET', '/models', undefined, {}), 401],
      ['unknown model', () => raw('POST', '/chat/completions', { ...chat, model: 'nobody/nothing' }), 404],
      ['non-serverless model', () => raw('POST', '/chat/completions', { ...chat, model: BASE_MODEL }), 400],
      ['missing file', () => raw('GET', '/files/file-missing'), 404],
      ['missing job', () => raw('GET', '/fine-tunes/ft-missing'), 404],
      ['missing endpoint', () => raw('GET', '/endpoints/endpoint-missing'), 404],
      ['unsupported base', () => raw('POST', '/fine-tunes', { model: SERVERLESS_MODEL, training_file: 'file-x' }), 400],
      ['unknown url', () => raw('GET', '/nowhere'), 404],
      ['invalid json', () => postMalformedJson(`${fake.url}/chat/completions`), 400],
    ];
    for (const [name, call, status] of cases) {
      const response = await call();
      expect(response.status, name).toBe(status);
      expectValid(spec.validate('ErrorData', response.body), response.body, name);
    }

    fake.configure({ rateLimits: { rps: 1 } });
    expect((await raw('POST', '/chat/completions', chat)).status).toBe(200);
    const limited = await raw('POST', '/chat/completions', chat);
    expect(limited.status).toBe(429);
    expectValid(spec.validateResponse('POST /chat/completions', '429', limited.body), limited.body, '429');
    fake.configure({ rateLimits: { rps: undefined }, faults: { statusSequence: [500, 503, 504] } });
    for (const status of [500, 503, 504]) {
      const injected = await raw('POST', '/chat/completions', chat);
      expect(injected.status).toBe(status);
      expectValid(spec.validate('ErrorData', injected.body), injected.body, `injected ${status}`);
    }
  });
});

describe('requests the SDK sends', () => {
  it('validate against the request schemas and declared query parameters', async () => {
    fake.reset();
    const file = await trainingFile();
    await client.fineTuning.create({
      model: BASE_MODEL,
      training_file: file,
      n_epochs: 2,
      batch_size: 'max',
      lr_scheduler: { lr_scheduler_type: 'linear', lr_scheduler_args: { min_lr_ratio: 0.1 } },
      training_type: { type: 'Lora', lora_r: 8, lora_alpha: 16, lora_trainable_modules: 'q_proj,v_proj' },
      training_method: { method: 'sft', train_on_inputs: true },
      random_seed: 42,
    });
    await client.fineTuning.estimatePrice({ training_file: file, model: BASE_MODEL, training_type: { type: 'Full' } });
    await client.fineTuning.modelLimits({ model_name: BASE_MODEL });
    await client.chat.completions.create({
      model: SERVERLESS_MODEL,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: [{ type: 'text', text: 'hello' }] },
      ],
      logprobs: 20,
      max_tokens: 1,
      temperature: 0,
      top_k: 1,
      stop: ['\n'],
    });
    await client.models.list({ dedicated: true });
    await client.endpoints.listHardware({ model: SERVERLESS_MODEL });
    const endpoint = await client.endpoints.create({
      model: SERVERLESS_MODEL,
      hardware: '1x_nvidia_h100_80gb_sxm',
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      state: 'STOPPED',
    });
    await client.endpoints.update(endpoint.id, { state: 'STARTED', display_name: 'renamed' });
    await client.endpoints.list({ type: 'dedicated', usage_type: 'on-demand' });

    const checked = expectRequestsInSpec(spec, fake.requests, 'POST /files/upload', (operation, body) =>
      spec.validateRequest(operation, body),
    );
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it("Tuneline's dedicated-endpoint calls (hardware, create, get, find by name, stop) validate, and read what the fake answers", async () => {
    fake.reset();
    const endpoints = togetherEndpoints(togetherClient({ apiKey: 'test', baseUrl: fake.url, timeoutMs: 5_000 }));
    const hardware = await endpoints.hardware(BASE_MODEL);
    expect(hardware.find((offer) => offer.id === '1x_nvidia_h100_80gb_sxm')).toEqual({
      id: '1x_nvidia_h100_80gb_sxm',
      pricePerMinuteUsd: 5.6 / 100,
      availability: 'available',
    });
    const created = await endpoints.create({
      model: BASE_MODEL,
      hardware: '1x_nvidia_h100_80gb_sxm',
      minReplicas: 1,
      maxReplicas: 2,
      displayName: 'tuneline-contract',
    });
    expect(created).toMatchObject({ model: BASE_MODEL, displayName: 'tuneline-contract', state: 'PENDING' });
    clock += 2_000;
    expect((await endpoints.get(created.id)).state).toBe('STARTED');
    expect((await endpoints.findEndpoint('tuneline-contract', BASE_MODEL))?.id).toBe(created.id);
    expect(await endpoints.findEndpoint('tuneline-other', BASE_MODEL)).toBeUndefined();
    await endpoints.stop(created.id);
    // Stopping one already gone is no failure: nothing is billed either way.
    await endpoints.stop(created.id);
    expect(fake.state.endpoints.size).toBe(0);

    const operations = new Set(
      fake.requests.map((entry) => spec.operationFor(entry.method, entry.path)).filter((operation) => operation),
    );
    expect([...operations].sort()).toEqual([
      'DELETE /endpoints/{endpointId}',
      'GET /endpoints',
      'GET /endpoints/{endpointId}',
      'GET /hardware',
      'POST /endpoints',
    ]);
    const checked = expectRequestsInSpec(spec, fake.requests, 'POST /files/upload', (operation, body) =>
      spec.validateRequest(operation, body),
    );
    expect(checked).toBeGreaterThanOrEqual(1);
  });

  it("`train_on_inputs: 'auto'` (the SDK's default type allows it) breaks the spec's `type: boolean`", () => {
    const body = {
      model: BASE_MODEL,
      training_file: 'file-1',
      training_method: { method: 'sft', train_on_inputs: 'auto' },
    };
    expect(spec.validateRequest('POST /fine-tunes', body)).not.toEqual([]);
  });
});
