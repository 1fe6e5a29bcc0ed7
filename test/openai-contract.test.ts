import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptConfig } from '../src/domain/labeling/prompt-config.js';
import { createOpenAIClassifier } from '../src/providers/openai/openai-classifier.js';
import { pooledChat } from '../src/providers/openai/pooled-chat-classifier.js';
import type { ClassifyOutcome } from '../src/providers/provider.js';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { DEFAULT_SPEC_PATH, extractSubset, SOURCE } from './fakes/openai/schemas/extract-spec-subset.js';
import { createSpecValidator, loadSpecSubset } from './fakes/openai/schemas/load-spec.js';
import {
  excerptMatchesSpecFile,
  expectRequestsInSpec,
  expectValid as expectNoProblems,
  onTheWire,
  postMalformedJson,
  rawRequests,
} from './helpers/spec-contract.js';

/**
 * Holds the fake to the official OpenAPI description: its responses must validate against the
 * component schemas the spec names for each operation, and the requests our SDK sends against
 * the request schemas. The schemas come from a committed excerpt of the spec
 * (fakes/openai/schemas/openai-spec-subset.json); the first tests tie that excerpt to the spec file.
 */

const spec = createSpecValidator();

let clock = Date.now();
let fake: OpenAIFake;
let client: OpenAI;

beforeAll(async () => {
  fake = await startOpenAIFake({
    now: () => clock,
    jobTiming: { validatingMs: 1_000, queuedMs: 1_000, runningMs: 5_000 },
  });
  client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake?.close();
});

const expectValid = (schemaName: string, data: unknown): void =>
  expectNoProblems(spec.validate(schemaName, data), data, schemaName);

/** Sends through the SDK, then validates the body on the wire against the operation's 200 schema. */
const wire = (call: { asResponse(): Promise<Response> }, operation: string) =>
  onTheWire(call, 200, (body) => spec.validate(spec.responseSchema(operation), body), operation);

const raw = rawRequests(() => fake.url);

const trainingRows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'system', content: 'Labels: spam, ham' },
      { role: 'user', content: `message ${i}` },
      { role: 'assistant', content: i % 3 ? 'ham' : 'spam' },
    ],
  }));
const jsonl = (rows: unknown[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
const uploadTraining = async (n: number) =>
  client.files.create({ file: await toFile(Buffer.from(jsonl(trainingRows(n))), 'train.jsonl'), purpose: 'fine-tune' });

describe('the spec excerpt', () => {
  it('names the official spec commit it was cut from', () => {
    const subset = loadSpecSubset();
    expect(subset.source).toMatchObject({
      repository: SOURCE.repository,
      commit: 'f85dbe223d40e1a31cba812ab2d755c7e98a92a3',
      infoVersion: '2.3.0',
    });
    expect(Object.keys(subset.operations)).toHaveLength(16);
  });

  excerptMatchesSpecFile({ specPath: DEFAULT_SPEC_PATH, loadSubset: loadSpecSubset, extract: extractSubset });

  it('rejects what the spec forbids, so passing means something', () => {
    expect(spec.validate('Error', { message: 'm', type: 't', param: null })).not.toEqual([]);
    expect(spec.validate('FineTuningJob', { id: 'ftjob-1', object: 'fine_tuning.job' })).not.toEqual([]);
    expect(spec.validate('CreateChatCompletionRequest', { model: 'm', messages: [], top_logprobs: 21 })).not.toEqual(
      [],
    );
    expect(spec.validate('CreateCompletionRequest', { model: 'm', prompt: 'p', logprobs: 6 })).not.toEqual([]);
  });
});

describe('responses of the fake', () => {
  it('chat completion, with and without logprobs', async () => {
    fake.script({ table: { 'buy now': { answer: 'spam', distribution: { spam: 0.7, ham: 0.25 } } }, default: 'ham' });
    const messages = [
      { role: 'system' as const, content: 'Labels: spam, ham' },
      { role: 'user' as const, content: 'buy now' },
    ];
    const body = await wire(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        logprobs: true,
        top_logprobs: 20,
        max_completion_tokens: 1,
        temperature: 0,
      }),
      'POST /chat/completions',
    );
    expect(body['choices']).toMatchObject([{ message: { content: 'spam' } }]);
    await wire(
      client.chat.completions.create({ model: 'gpt-4.1-nano', messages, n: 2, stop: ['\n'] }),
      'POST /chat/completions',
    );
  });

  it('legacy completion with logprobs', async () => {
    fake.script({ rules: [{ contains: 'cheap', answer: ' 1' }], default: ' 2' });
    await wire(
      client.completions.create({
        model: 'davinci-002',
        prompt: 'cheap pills\n\n###\n\n',
        max_tokens: 2,
        logprobs: 5,
        temperature: 0,
      }),
      'POST /completions',
    );
    await wire(
      client.completions.create({ model: 'babbage-002', prompt: ['a', 'b'], max_tokens: 1 }),
      'POST /completions',
    );
  });

  it('files: upload, list, retrieve, delete', async () => {
    const uploaded = await wire(
      client.files.create({ file: await toFile(Buffer.from('{"a":1}\n'), 'batch.jsonl'), purpose: 'batch' }),
      'POST /files',
    );
    const id = String(uploaded['id']);
    await wire(client.files.list(), 'GET /files');
    await wire(client.files.retrieve(id), 'GET /files/{file_id}');
    await wire(client.files.delete(id), 'DELETE /files/{file_id}');
  });

  it('fine-tuning jobs in every state, their events and checkpoints', async () => {
    const file = await uploadTraining(12);
    const small = await uploadTraining(4);
    const validation = await uploadTraining(5);
    const created = await wire(
      client.fineTuning.jobs.create({
        model: 'gpt-4o-mini',
        training_file: file.id,
        validation_file: validation.id,
        suffix: 'contract',
        seed: 42,
        metadata: { purpose: 'contract' },
        method: {
          type: 'supervised',
          supervised: { hyperparameters: { n_epochs: 2, batch_size: 'auto', learning_rate_multiplier: 'auto' } },
        },
      }),
      'POST /fine_tuning/jobs',
    );
    const id = String(created['id']);
    const doomed = await client.fineTuning.jobs.create({ model: 'babbage-002', training_file: small.id });
    const cancelled = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini',
      training_file: file.id,
      hyperparameters: { n_epochs: 1 },
    });

    clock += 2_500;
    expect(
      (await wire(client.fineTuning.jobs.retrieve(id), 'GET /fine_tuning/jobs/{fine_tuning_job_id}'))['status'],
    ).toBe('running');
    await wire(client.fineTuning.jobs.cancel(cancelled.id), 'POST /fine_tuning/jobs/{fine_tuning_job_id}/cancel');
    clock += 5_000;
    const done = await wire(client.fineTuning.jobs.retrieve(id), 'GET /fine_tuning/jobs/{fine_tuning_job_id}');
    expect(done['status']).toBe('succeeded');
    const failed = await wire(client.fineTuning.jobs.retrieve(doomed.id), 'GET /fine_tuning/jobs/{fine_tuning_job_id}');
    expect(failed['status']).toBe('failed');

    await wire(client.fineTuning.jobs.list({ limit: 2 }), 'GET /fine_tuning/jobs');
    const events = await wire(
      client.fineTuning.jobs.listEvents(id, { limit: 100 }),
      'GET /fine_tuning/jobs/{fine_tuning_job_id}/events',
    );
    for (const event of events['data'] as unknown[]) expectValid('FineTuningJobEvent', event);
    const checkpoints = await wire(
      client.fineTuning.jobs.checkpoints.list(id),
      'GET /fine_tuning/jobs/{fine_tuning_job_id}/checkpoints',
    );
    expect((checkpoints['data'] as unknown[]).length).toBe(2);
    for (const checkpoint of checkpoints['data'] as unknown[]) expectValid('FineTuningJobCheckpoint', checkpoint);

    const resultFile = (done['result_files'] as string[])[0] ?? '';
    expectValid('OpenAIFile', await wire(client.files.retrieve(resultFile), 'GET /files/{file_id}'));
  });

  it('models: list, retrieve, delete', async () => {
    await wire(client.models.list(), 'GET /models');
    await wire(client.models.retrieve('babbage-002'), 'GET /models/{model}');
    const fineTuned = [...fake.state.fineTunedModels.keys()][0] ?? '';
    await wire(client.models.retrieve(fineTuned), 'GET /models/{model}');
    await wire(client.models.delete(fineTuned), 'DELETE /models/{model}');
  });

  it('errors: every status the fake produces uses the ErrorResponse envelope', async () => {
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] };
    const cases: [string, () => Promise<{ status: number; headers: Headers; body: unknown }>, number][] = [
      ['bad request', () => raw('POST', '/chat/completions', { ...chat, top_logprobs: 3 }), 400],
      ['missing key', () => raw('GET', '/models', undefined, {}), 401],
      ['unknown model', () => raw('POST', '/chat/completions', { ...chat, model: 'no-such-model' }), 404],
      ['missing file', () => raw('GET', '/files/file-missing'), 404],
      ['missing job', () => raw('GET', '/fine_tuning/jobs/ftjob-missing'), 404],
      ['unknown url', () => raw('GET', '/nowhere'), 404],
      ['invalid json', () => postMalformedJson(`${fake.url}/chat/completions`), 400],
    ];
    for (const [name, call, status] of cases) {
      const response = await call();
      expect(response.status, name).toBe(status);
      expectValid('ErrorResponse', response.body);
    }

    fake.configure({ faults: { trainingNotAvailable: true } });
    const file = await uploadTraining(10);
    const refused = await raw('POST', '/fine_tuning/jobs', { model: 'gpt-4o-mini', training_file: file.id });
    expect(refused.status).toBe(403);
    expectValid('ErrorResponse', refused.body);

    fake.configure({ faults: { statusSequence: [500, 503] } });
    for (const status of [500, 503]) {
      const injected = await raw('GET', '/models');
      expect(injected.status).toBe(status);
      expectValid('ErrorResponse', injected.body);
    }
    fake.reset();
  });

  it('429s match the TooManyRequests response of the spec', async () => {
    fake.configure({ rateLimits: { rpm: 1 } });
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] };
    expect((await raw('POST', '/chat/completions', chat)).status).toBe(200);
    const limited = await raw('POST', '/chat/completions', chat);
    expect(limited.status).toBe(429);
    const declared = spec.response('POST /chat/completions', '429');
    expectValid(spec.responseSchema('POST /chat/completions', '429'), limited.body);
    expect(declared.headers?.['Retry-After']).toBeDefined();
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);

    fake.configure({ faults: { insufficientQuota: true } });
    const quota = await raw('POST', '/completions', { model: 'babbage-002', prompt: 'x' });
    expect(quota.status).toBe(429);
    expectValid('ErrorResponse', quota.body);
    fake.reset();
  });
});

describe('requests our SDK sends', () => {
  it('validate against the request schemas and declared query parameters', async () => {
    // Everything the previous tests sent through the SDK (reset() clears the log, so replay a set).
    const file = await uploadTraining(10);
    await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini',
      training_file: file.id,
      suffix: 'x',
      hyperparameters: { n_epochs: 3 },
      integrations: [{ type: 'wandb', wandb: { project: 'p' } }],
    });
    await client.fineTuning.jobs.list({ limit: 5, metadata: { k: 'v' } });
    await client.files.list({ purpose: 'fine-tune', order: 'asc', limit: 3 });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'developer', content: 'Labels: a, b' },
        { role: 'user', content: [{ type: 'text', text: 'hello' }] },
      ],
      logprobs: true,
      top_logprobs: 20,
      max_completion_tokens: 1,
      temperature: 0,
      logit_bias: { '1234': 5 },
      seed: 7,
    });
    await client.completions.create({
      model: 'babbage-002',
      prompt: 'p\n\n###\n\n',
      logprobs: 5,
      max_tokens: 1,
      stop: ['\n'],
    });

    const checked = expectRequestsInSpec(spec, fake.requests, 'POST /files', (operation, body) =>
      spec.validate(spec.requestSchema(operation), body),
    );
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('the classify hot path sends the very request the SDK classifier sends, and reads the answer the same', async () => {
    fake.reset();
    fake.script({ table: { 'buy now': { answer: 'spam', distribution: { spam: 0.7, ham: 0.25 } } }, default: 'ham' });
    const prompt: PromptConfig = {
      instructions: 'Is this message spam?',
      labels: [{ name: 'spam', description: 'unwanted' }, { name: 'ham' }],
      fewShot: [{ text: 'lunch at noon?', label: 'ham' }],
    };
    const sdk = createOpenAIClassifier(client, 'gpt-4o-mini');
    const pooled = pooledChat({ apiKey: 'test', baseUrl: fake.url, timeoutMs: 5_000, organization: 'org-1' });
    // The rate-limit headers count down from call to call; their limits must read the same.
    const drop = ({ latencyMs: _latency, rateLimit, ...rest }: ClassifyOutcome) => ({
      ...rest,
      limits: [rateLimit?.limitRequests, rateLimit?.limitTokens],
    });
    try {
      for (const text of ['buy now', 'see you "tomorrow"\n\u00e9t\u00e9 \u{1f600}']) {
        const [bySdk, byPool] = [
          await sdk.classify(text, prompt),
          await pooled.classifier('gpt-4o-mini').classify(text, prompt),
        ];
        expect(drop(byPool)).toEqual(drop(bySdk));
      }
      const chats = fake.requests.filter((request) => request.path === '/v1/chat/completions');
      expect(chats).toHaveLength(4);
      for (const pair of [chats.slice(0, 2), chats.slice(2)]) expect(pair[1]!.body).toEqual(pair[0]!.body);
      expect(chats[1]!.headers).toMatchObject({ authorization: 'Bearer test', 'openai-organization': 'org-1' });
      const checked = expectRequestsInSpec(spec, fake.requests, 'POST /files', (operation, body) =>
        spec.validate(spec.requestSchema(operation), body),
      );
      expect(checked).toBe(4);
    } finally {
      await pooled.close();
    }
  });
});
