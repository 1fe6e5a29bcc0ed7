import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { spawnEntry } from './helpers/processes.js';

/** The OpenAI fake, exercised the way production code uses it: through the official SDK. */

const SYSTEM = 'Classify the sentiment of the text.\nLabels: positive, negative, neutral\nAnswer with the label only.';
const GO_DURATION = /^(\d+h)?(\d+m)?(\d+(\.\d+)?s|\d+ms)$/;

let clock = Date.now();
let fake: OpenAIFake;
let client: OpenAI;

beforeAll(async () => {
  // Fine-tuning jobs follow this clock, so tests move time instead of sleeping.
  fake = await startOpenAIFake({
    now: () => clock,
    jobTiming: { validatingMs: 1_000, queuedMs: 1_000, runningMs: 10_000 },
  });
  client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await fake?.close();
});

const classify = (text: string, extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: text },
    ],
    ...extra,
  });

async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const jsonl = (rows: unknown[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
const chatExamples = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `review number ${i}: ${i % 2 ? 'loved it' : 'hated it'}` },
      { role: 'assistant', content: i % 2 ? 'positive' : 'negative' },
    ],
  }));

async function upload(content: string, filename = 'train.jsonl') {
  return client.files.create({ file: await toFile(Buffer.from(content), filename), purpose: 'fine-tune' });
}

describe('chat completions', () => {
  it('answers the scripted label with logprobs as natural logs, UTF-8 bytes and usage', async () => {
    fake.script({ table: { 'I love it': 'positive' }, default: 'neutral' });
    const completion = await classify('I love it', {
      logprobs: true,
      top_logprobs: 3,
      max_completion_tokens: 1,
      temperature: 0,
    });

    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18' });
    expect(completion.id).toMatch(/^chatcmpl-/);
    const choice = completion.choices[0];
    expect(choice?.message.content).toBe('positive');
    expect(choice?.finish_reason).toBe('stop');
    const [token] = choice?.logprobs?.content ?? [];
    expect(token?.token).toBe('positive');
    expect(token?.bytes).toEqual([...Buffer.from('positive')]);
    expect(Math.exp(token?.logprob ?? 0)).toBeCloseTo(0.9, 6);
    const top = token?.top_logprobs ?? [];
    expect(top.map((entry) => entry.token)).toEqual(['positive', 'negative', 'neutral']);
    expect(top.reduce((sum, entry) => sum + Math.exp(entry.logprob), 0)).toBeCloseTo(1, 6);

    const prompt = 3 + (3 + countTokens(SYSTEM)) + (3 + countTokens('I love it'));
    expect(completion.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: 1, total_tokens: prompt + 1 });
  });

  it('uses a scripted distribution and truncates to max_completion_tokens', async () => {
    fake.script(({ userText }) =>
      userText.includes('meh')
        ? { answer: 'very positive', distribution: { 'very positive': 0.6, negative: 0.3 } }
        : 'negative',
    );
    const full = await classify('meh', { logprobs: true, top_logprobs: 5 });
    expect(full.choices[0]?.message.content).toBe('very positive');
    const first = full.choices[0]?.logprobs?.content?.[0];
    expect(first?.token).toBe('very');
    expect(Math.exp(first?.logprob ?? 0)).toBeCloseTo(0.6, 6);
    expect(first?.top_logprobs.map((entry) => [entry.token, Number(Math.exp(entry.logprob).toFixed(6))])).toEqual([
      ['very', 0.6],
      ['negative', 0.3],
    ]);

    const cut = await classify('meh', { max_completion_tokens: 1 });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'very' }, finish_reason: 'length', logprobs: null });
    expect(cut.usage?.completion_tokens).toBe(1);
  });

  it('answers the first label of the system prompt by default, else unknown', async () => {
    expect((await classify('anything')).choices[0]?.message.content).toBe('positive');
    const bare = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(bare.choices[0]?.message.content).toBe('unknown');
  });

  it('rejects top_logprobs without logprobs or out of range, with param top_logprobs', async () => {
    const without = await rejection(classify('x', { top_logprobs: 2 }));
    expect(without).toBeInstanceOf(OpenAI.BadRequestError);
    expect(without).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'top_logprobs' });
    const tooMany = await rejection(classify('x', { logprobs: true, top_logprobs: 21 }));
    expect(tooMany).toMatchObject({ status: 400, param: 'top_logprobs', code: 'integer_above_max_value' });
    const hot = await rejection(classify('x', { temperature: 3 }));
    expect(hot).toMatchObject({ status: 400, param: 'temperature' });
  });

  it('answers 404 model_not_found for unknown and retired models', async () => {
    const unknown = await rejection(classify('x', { model: 'no-such-model' }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found', type: 'invalid_request_error' });
    expect(unknown.message).toContain('The model `no-such-model` does not exist or you do not have access to it.');

    fake.configure({ faults: { retiredModels: ['gpt-4o-mini'] } });
    expect(await rejection(classify('x'))).toMatchObject({ status: 404, code: 'model_not_found' });
    const legacy = await rejection(
      client.chat.completions.create({ model: 'babbage-002', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(legacy).toMatchObject({ status: 404, param: 'model' });
  });

  it('sends the rate-limit headers on every response', async () => {
    fake.configure({ rateLimits: { rpm: 100, tpm: 10_000 } });
    const { data, response, request_id } = await classify('hello', { max_completion_tokens: 5 }).withResponse();
    expect(data.choices).toHaveLength(1);
    const header = (name: string) => response.headers.get(name);
    expect(header('x-ratelimit-limit-requests')).toBe('100');
    expect(header('x-ratelimit-limit-tokens')).toBe('10000');
    expect(header('x-ratelimit-remaining-requests')).toBe('99');
    const prompt = 3 + (3 + countTokens(SYSTEM)) + (3 + countTokens('hello'));
    expect(Number(header('x-ratelimit-remaining-tokens'))).toBe(10_000 - prompt - 5);
    expect(header('x-ratelimit-reset-requests')).toMatch(GO_DURATION);
    expect(header('x-ratelimit-reset-tokens')).toMatch(GO_DURATION);
    expect(header('openai-version')).toBe('2020-10-01');
    expect(Number(header('openai-processing-ms'))).toBeGreaterThan(0);
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);

    const files = await client.files.list().withResponse();
    expect(files.response.headers.get('x-ratelimit-limit-requests')).toBeTruthy();
  });

  it('answers 429 rate_limit_exceeded with retry-after once the RPM is used up', async () => {
    fake.configure({ rateLimits: { rpm: 2 } });
    await classify('one');
    await classify('two');
    const limited = await rejection(classify('three'));
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect(limited.message).toMatch(
      /Rate limit reached for gpt-4o-mini in organization org-fake on requests per min \(RPM\): Limit 2, Used 2, Requested 1\. Please try again in \d+(\.\d+)?s\./,
    );
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers?.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(limited.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    const stats = fake.stats();
    expect(stats.rateLimited).toMatchObject({ requests: 1, total: 1 });
    expect(stats.requests.byStatus['429']).toBe(1);
    expect(stats.models['gpt-4o-mini']).toMatchObject({ requests: 3, succeeded: 2, rateLimited: 1 });
  });

  it('counts prompt plus requested completion tokens against the TPM', async () => {
    fake.configure({ rateLimits: { tpm: 1_000 } });
    await classify('first', { max_completion_tokens: 900 });
    const limited = await rejection(classify('second', { max_completion_tokens: 100 }));
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'tokens' });
    expect(limited.message).toMatch(
      /on tokens per min \(TPM\): Limit 1000, Used \d+, Requested \d+\. Please try again in /,
    );
  });

  it('answers insufficient_quota without retry hints unless told to send x-should-retry', async () => {
    fake.configure({ faults: { insufficientQuota: true } });
    const quota = await rejection(classify('x'));
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect(quota).toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(quota.headers?.get('retry-after')).toBeNull();
    expect(quota.headers?.get('x-should-retry')).toBeNull();

    fake.configure({ faults: { insufficientQuota: true, sendShouldRetryHeader: true } });
    const retrying = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 2 });
    const before = fake.requests.length;
    await rejection(
      retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(fake.requests.length - before).toBe(1);
    expect(fake.stats().insufficientQuota).toBe(2);
  });

  it('plays a status sequence, which the SDK retries, and records the attempts', async () => {
    fake.configure({
      faults: {
        statusSequence: [
          { status: 503, retryAfterMs: 5 },
          { status: 429, retryAfterMs: 5 },
        ],
      },
    });
    const retrying = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 2 });
    const completion = await retrying.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.choices[0]?.message.content).toBe('unknown');
    const attempts = fake.requests.filter((entry) => entry.path === '/v1/chat/completions');
    expect(attempts.map((entry) => entry.status)).toEqual([503, 429, 200]);
    expect(attempts.map((entry) => entry.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
  });

  it('hangs for the requested number of requests, for timeout tests', async () => {
    fake.configure({ faults: { hang: { count: 1 } } });
    const impatient = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, timeout: 200 });
    await expect(impatient.models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect(impatient.models.list()).resolves.toBeDefined();
    expect(fake.stats().faults.hung).toBe(1);
  });

  it('demands a bearer token', async () => {
    const response = await fetch(`${fake.url}/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_api_key', type: 'invalid_request_error', param: null },
    });
  });

  it('records the organization and project headers', async () => {
    const scoped = new OpenAI({
      apiKey: 'test',
      baseURL: fake.url,
      maxRetries: 0,
      organization: 'org-acme',
      project: 'proj_1',
    });
    const { response } = await scoped.models.list().withResponse();
    expect(response.headers.get('openai-organization')).toBe('org-acme');
    expect(fake.requests.at(-1)?.headers).toMatchObject({
      'openai-organization': 'org-acme',
      'openai-project': 'proj_1',
    });
  });
});

describe('legacy completions', () => {
  it('returns parallel logprob arrays and uses the scripted code verbatim', async () => {
    fake.script({ rules: [{ contains: 'great', answer: ' 1' }], default: ' 2' });
    const prompt = 'a great film\n\n###\n\n';
    const completion = await client.completions.create({
      model: 'babbage-002',
      prompt,
      max_tokens: 2,
      logprobs: 2,
      temperature: 0,
    });
    const choice = completion.choices[0];
    expect(completion.object).toBe('text_completion');
    expect(choice?.text).toBe(' 1');
    expect(choice?.finish_reason).toBe('stop');
    // o200k splits " 1" into " " and "1".
    expect(choice?.logprobs?.tokens).toEqual([' ', '1']);
    expect(choice?.logprobs?.text_offset).toEqual([prompt.length, prompt.length + 1]);
    expect(choice?.logprobs?.token_logprobs).toHaveLength(2);
    // Both codes start with " ", so the first position is certain; the script's other answer
    // (" 2") is the alternative at the second.
    expect(choice?.logprobs?.token_logprobs?.[0]).toBeCloseTo(0, 9);
    const second = choice?.logprobs?.top_logprobs?.[1] ?? {};
    expect(Object.keys(second).sort()).toEqual(['1', '2']);
    expect(Math.exp(second['1'] ?? -Infinity)).toBeCloseTo(0.9, 6);
    expect(Math.exp(second['2'] ?? -Infinity)).toBeCloseTo(0.1, 6);
    expect(completion.usage).toMatchObject({ prompt_tokens: countTokens(prompt), completion_tokens: 2 });

    const other = await client.completions.create({ model: 'babbage-002', prompt: 'dull\n\n###\n\n', max_tokens: 1 });
    expect(other.choices[0]).toMatchObject({ text: ' ', finish_reason: 'length', logprobs: null });
  });

  it('keeps logprobs to 0..5 and chat models off /completions', async () => {
    expect(
      await rejection(client.completions.create({ model: 'davinci-002', prompt: 'x', logprobs: 6 })),
    ).toMatchObject({
      status: 400,
      param: 'logprobs',
    });
    expect(await rejection(client.completions.create({ model: 'gpt-4o-mini', prompt: 'x' }))).toMatchObject({
      status: 404,
      param: 'model',
    });
  });
});

describe('files', () => {
  it('uploads, lists with a cursor, returns raw content and deletes', async () => {
    const first = await upload(jsonl(chatExamples(3)), 'a.jsonl');
    const second = await upload('{"x":1}\n', 'b.jsonl');
    expect(first).toMatchObject({ object: 'file', filename: 'a.jsonl', purpose: 'fine-tune', status: 'processed' });
    expect(first.id).toMatch(/^file-/);
    expect(first.bytes).toBe(Buffer.byteLength(jsonl(chatExamples(3))));
    expect(Math.abs(first.created_at - Math.floor(clock / 1000))).toBeLessThanOrEqual(1);

    const page = await client.files.list({ limit: 1 });
    expect(page.data.map((file) => file.id)).toEqual([second.id]);
    expect(page.hasNextPage()).toBe(true);
    const next = await page.getNextPage();
    expect(next.data.map((file) => file.id)).toEqual([first.id]);
    expect((await client.files.list({ purpose: 'batch' })).data).toEqual([]);

    expect(await (await client.files.content(first.id)).text()).toBe(jsonl(chatExamples(3)));
    expect(await client.files.delete(first.id)).toEqual({ id: first.id, object: 'file', deleted: true });
    const missing = await rejection(client.files.retrieve(first.id));
    expect(missing).toMatchObject({ status: 404, param: 'id', message: `404 No such File object: ${first.id}` });
  });

  it("reports 'uploaded' until the configured processing delay has passed", async () => {
    fake.configure({ fileProcessingMs: 5_000 });
    const file = await upload('{}\n');
    expect(file.status).toBe('uploaded');
    clock += 5_000;
    expect((await client.files.retrieve(file.id)).status).toBe('processed');
  });
});

describe('fine-tuning', () => {
  it('runs a job to success: events newest first, checkpoints, base64 step metrics, a usable model', async () => {
    const file = await upload(jsonl(chatExamples(20)));
    const created = await client.fineTuning.jobs.create({
      model: 'gpt-4o-mini',
      training_file: file.id,
      suffix: 'tuneline',
    });
    expect(created).toMatchObject({
      object: 'fine_tuning.job',
      status: 'validating_files',
      model: 'gpt-4o-mini-2024-07-18',
      fine_tuned_model: null,
      trained_tokens: null,
      finished_at: null,
      result_files: [],
      organization_id: 'org-fake',
      hyperparameters: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' },
    });
    expect(created.id).toMatch(/^ftjob-/);

    clock += 1_000;
    expect((await client.fineTuning.jobs.retrieve(created.id)).status).toBe('queued');
    clock += 1_000;
    const running = await client.fineTuning.jobs.retrieve(created.id);
    // The cookbook heuristic: 20 examples → min(25, 100 // 20) = 5 epochs.
    expect(running).toMatchObject({ status: 'running', hyperparameters: { n_epochs: 5 } });
    expect(running.estimated_finish).toBe(Math.floor((clock + 10_000) / 1000));
    clock += 10_000;
    const job = await client.fineTuning.jobs.retrieve(created.id);
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toMatch(/^ft:gpt-4o-mini-2024-07-18:fake-org:tuneline:[A-Za-z0-9]{8}$/);
    expect(job.finished_at).toBe(Math.floor(clock / 1000));
    const perExample = chatExamples(20).map(
      (row) => 3 + row.messages.reduce((sum, m) => sum + 3 + countTokens(m.content), 0),
    );
    expect(job.trained_tokens).toBe(5 * perExample.reduce((a, b) => a + b, 0));

    const firstPage = await client.fineTuning.jobs.listEvents(job.id, { limit: 5 });
    expect(firstPage.data).toHaveLength(5);
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.data[0]?.message).toBe('The job has successfully completed');
    expect(firstPage.data[1]?.message).toBe(`New fine-tuned model created: ${job.fine_tuned_model}`);
    const secondPage = await client.fineTuning.jobs.listEvents(job.id, {
      limit: 5,
      after: firstPage.data.at(-1)?.id ?? '',
    });
    expect(secondPage.data.map((event) => event.id)).not.toContain(firstPage.data[0]?.id);
    const all = [];
    for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 50 })) all.push(event);
    expect(all.map((event) => event.created_at)).toEqual(
      [...all.map((event) => event.created_at)].sort((a, b) => b - a),
    );
    expect(all.at(-1)?.message).toBe(`Created fine-tuning job: ${job.id}`);
    expect(all.map((event) => event.message)).toContain('Files validated, moving job to queued state');
    const metrics = all.find((event) => event.type === 'metrics');
    expect(metrics?.message).toMatch(/^Step \d+\/\d+: training loss=\d+\.\d\d$/);
    expect(metrics?.data).toMatchObject({
      step: expect.any(Number),
      train_loss: expect.any(Number),
      total_steps: expect.any(Number),
    });

    const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
    expect(checkpoints.data).toHaveLength(3);
    const steps = checkpoints.data.map((checkpoint) => checkpoint.step_number);
    expect(steps).toEqual([...steps].sort((a, b) => b - a));
    expect(checkpoints.data[0]?.fine_tuned_model_checkpoint).toBe(`${job.fine_tuned_model}:ckpt-step-${steps[0]}`);

    const resultId = job.result_files[0] ?? '';
    expect(await client.files.retrieve(resultId)).toMatchObject({
      purpose: 'fine-tune-results',
      filename: 'step_metrics.csv',
    });
    const raw = await (await client.files.content(resultId)).text();
    expect(raw.startsWith('step,')).toBe(false);
    const csv = Buffer.from(raw, 'base64').toString('utf8').trim().split('\n');
    expect(csv[0]).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
    expect(csv).toHaveLength(1 + (metrics!.data as { total_steps: number }).total_steps);

    const model = job.fine_tuned_model ?? '';
    fake.script({ table: {}, default: 'negative' });
    const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'meh' }] });
    expect(answer).toMatchObject({ model, choices: [{ message: { content: 'negative' } }] });
    expect(await client.models.retrieve(model)).toMatchObject({
      id: model,
      owned_by: 'org-fake',
      shutdown_date: '2027-01-14',
    });
    expect(await client.models.delete(model)).toEqual({ id: model, object: 'model', deleted: true });
    expect(
      await rejection(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] })),
    ).toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });

  it('fails asynchronously with invalid_n_examples below 10 examples', async () => {
    const file = await upload(jsonl(chatExamples(3)));
    const job = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id });
    expect(job.status).toBe('validating_files');
    clock += 1_000;
    const failed = await client.fineTuning.jobs.retrieve(job.id);
    expect(failed).toMatchObject({
      status: 'failed',
      fine_tuned_model: null,
      error: {
        code: 'invalid_n_examples',
        param: 'training_file',
        message: 'Training file has 3 example(s), but must have at least 10 examples',
      },
    });
    const events = await client.fineTuning.jobs.listEvents(job.id);
    expect(events.data[0]).toMatchObject({
      level: 'error',
      message: 'Training file has 3 example(s), but must have at least 10 examples',
    });
  });

  it('fails on lines that are not JSON', async () => {
    const file = await upload(`${jsonl(chatExamples(12))}{not json\n`);
    const job = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id });
    clock += 1_000;
    const failed = await client.fineTuning.jobs.retrieve(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'invalid_training_file', param: 'training_file' });
    expect(failed.error?.message).toContain('Example 13 cannot be parsed');
  });

  it('cancels a running job', async () => {
    const file = await upload(jsonl(chatExamples(10)));
    const job = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id });
    clock += 2_500;
    expect((await client.fineTuning.jobs.retrieve(job.id)).status).toBe('running');
    const cancelled = await client.fineTuning.jobs.cancel(job.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', fine_tuned_model: null, estimated_finish: null });
    clock += 20_000;
    expect((await client.fineTuning.jobs.retrieve(job.id)).status).toBe('cancelled');
    expect((await client.fineTuning.jobs.listEvents(job.id)).data[0]?.message).toBe('Fine-tuning job cancelled');
    expect(await rejection(client.fineTuning.jobs.cancel(job.id))).toMatchObject({ status: 400 });
  });

  it('lists jobs newest first with a cursor', async () => {
    const file = await upload(jsonl(chatExamples(10)));
    const a = await client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id });
    const b = await client.fineTuning.jobs.create({
      model: 'babbage-002',
      training_file: file.id,
      metadata: { run: 'b' },
    });
    const page = await client.fineTuning.jobs.list({ limit: 1 });
    expect(page.data.map((job) => job.id)).toEqual([b.id]);
    expect((await page.getNextPage()).data.map((job) => job.id)).toEqual([a.id]);
    expect((await client.fineTuning.jobs.list({ metadata: { run: 'b' } })).data.map((job) => job.id)).toEqual([b.id]);
  });

  it('refuses an unknown training file synchronously', async () => {
    const refused = await rejection(
      client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: 'file-nope' }),
    );
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ param: 'training_file', message: '400 invalid training_file: file-nope' });
  });

  it('answers 403 training_not_available while the platform winds down', async () => {
    fake.configure({ faults: { trainingNotAvailable: true } });
    const file = await upload(jsonl(chatExamples(10)));
    const refused = await rejection(client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: file.id }));
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused.code).toBe('training_not_available');
    expect(refused.message).toContain('OpenAI is winding down the fine-tuning platform');
  });
});

describe('models', () => {
  it('lists and retrieves models with shutdown dates', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('babbage-002');
    expect(await client.models.retrieve('babbage-002')).toMatchObject({ object: 'model', shutdown_date: '2026-09-28' });
    expect(await client.models.retrieve('gpt-4.1-nano')).toMatchObject({ shutdown_date: null });
    expect(await rejection(client.models.delete('gpt-4o-mini'))).toMatchObject({ status: 403 });
  });
});

describe('control API and CLI', () => {
  it('reconfigures, scripts, reports and resets over HTTP', async () => {
    const control = fake.url.replace(/\/v1$/, '/_fake');
    const post = (path: string, body: unknown) =>
      fetch(`${control}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/configure', { rateLimits: { rpm: 1 } })).status).toBe(200);
    expect(
      (await post('/script', { rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' })).status,
    ).toBe(200);
    expect((await post('/script', { nonsense: true })).status).toBe(400);

    expect((await classify('I want a refund')).choices[0]?.message.content).toBe('billing');
    expect(await rejection(classify('again'))).toMatchObject({ status: 429 });
    const stats = (await (await fetch(`${control}/stats`)).json()) as {
      requests: { byStatus: Record<string, number> };
    };
    expect(stats.requests.byStatus).toEqual({ '200': 1, '429': 1 });

    expect((await post('/reset', {})).status).toBe(200);
    expect(fake.stats().requests.total).toBe(0);
    expect((await classify('I want a refund')).choices[0]?.message.content).toBe('positive');
  });

  it('runs as a separate process and prints its URL', async () => {
    const cli = spawnEntry(
      'test/fakes/openai/cli.ts',
      ['--port', '0', '--rpm', '600', '--tpm', '40000', '--latency-ms', '5'],
      {},
    );
    try {
      await cli.waitFor(/^http:\/\/127\.0\.0\.1:\d+\/v1$/m);
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/v1)$/m.exec(cli.output())?.[1] ?? '';
      const remote = new OpenAI({ apiKey: 'test', baseURL: url, maxRetries: 0 });
      const { response } = await remote.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('600');
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('40000');
      cli.kill('SIGTERM');
      expect(await cli.exited()).toBe(0);
    } finally {
      cli.kill();
    }
  });
});
