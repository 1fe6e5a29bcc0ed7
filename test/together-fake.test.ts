import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import Together from 'together-ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherFake, type TogetherFake } from './fakes/together/index.js';
import {
  BASE_MODEL,
  chatRows,
  jsonl,
  preferenceRows,
  SERVERLESS_MODEL,
  SYSTEM,
  uploadFile,
} from './helpers/together.js';

/** The Together fake, exercised the way production code will use it: through the official SDK. */

const TIMING = {
  pendingMs: 1_000,
  queuedMs: 1_000,
  runningMs: 12_000,
  compressingMs: 1_000,
  uploadingMs: 1_000,
  cancellingMs: 1_000,
};
const H100 = '1x_nvidia_h100_80gb_sxm';

let clock = Date.now();
let fake: TogetherFake;
let client: Together;

beforeAll(async () => {
  // Jobs and endpoints follow this clock, so tests move time instead of sleeping.
  fake = await startTogetherFake({
    now: () => clock,
    seed: 7,
    jobTiming: TIMING,
    endpointTiming: { pendingMs: 1_000, startingMs: 2_000, stoppingMs: 1_000 },
  });
  client = new Together({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await fake?.close();
});

async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof Together.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Together.APIError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** The SDK keeps the whole body on `err.error`: Together's `{ error: { message, type, param, code } }`. */
const errorOf = (error: InstanceType<typeof Together.APIError>) =>
  (error.error as { error: Record<string, unknown> }).error;

const classify = (text: string, extra: Partial<Together.Chat.CompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({
    model: SERVERLESS_MODEL,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: text },
    ],
    ...extra,
  });

async function completedJob(extra: Partial<Together.FineTuning.FineTuningCreateParams> = {}) {
  const file = await uploadFile(client, jsonl(chatRows(24)));
  const job = await client.fineTuning.create({ model: BASE_MODEL, training_file: file.id, ...extra });
  clock += 16_000;
  const done = await client.fineTuning.retrieve(job.id);
  expect(done.status).toBe('completed');
  return done;
}

describe('files', () => {
  it('uploads through POST /files/upload, checks the chat format and reports what it found', async () => {
    const content = jsonl(chatRows(5));
    const file = await uploadFile(client, content);
    expect(file).toMatchObject({
      object: 'file',
      filename: 'train.jsonl',
      purpose: 'fine-tune',
      FileType: 'jsonl',
      Processed: true,
      bytes: Buffer.byteLength(content),
    });
    expect(file.id).toMatch(/^file-[0-9a-f-]{36}$/);
    expect(file.validation_report).toMatchObject({ valid: true, nlines: 5, dataset_format: 'conversation' });
    expect((await client.files.list()).data.map((listed) => listed.id)).toEqual([file.id]);
    expect(await (await client.files.content(file.id)).text()).toBe(content);
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, deleted: true });
    expect(await rejection(client.files.retrieve(file.id))).toMatchObject({ status: 404 });
  });

  it.each([
    [
      'a line that is not JSON',
      `${jsonl(chatRows(2))}{"messages": [\n`,
      'Error parsing json payload. Unexpected format on line 3.',
    ],
    [
      'an unknown role',
      jsonl([{ messages: [{ role: 'bot', content: 'x' }] }]),
      'Invalid role `bot` in conversation on line 1. Possible roles: system, user, assistant',
    ],
    [
      'no assistant turn',
      jsonl([{ messages: [{ role: 'user', content: 'x' }] }]),
      'At least one message with the assistant role must be present',
    ],
    [
      'turns that do not alternate',
      jsonl([
        {
          messages: [
            { role: 'user', content: 'a' },
            { role: 'user', content: 'b' },
            { role: 'assistant', content: 'c' },
          ],
        },
      ]),
      'Invalid role turns on line 1',
    ],
    [
      'content that is not a string',
      jsonl([
        {
          messages: [
            { role: 'user', content: 3 },
            { role: 'assistant', content: 'c' },
          ],
        },
      ]),
      'Column `content` is not a string on line 1. Found number',
    ],
    [
      'an extra column',
      jsonl([
        {
          messages: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b' },
          ],
          label: 'x',
        },
      ]),
      'Found extra column "label" in the line 1.',
    ],
    [
      'two formats',
      `${jsonl(chatRows(1))}${jsonl([{ text: 'plain' }])}`,
      'All samples in the dataset must have the same dataset format',
    ],
  ])('refuses %s with a 400 naming the line', async (_name, content, message) => {
    const refused = await rejection(uploadFile(client, content));
    expect(refused).toBeInstanceOf(Together.BadRequestError);
    expect(errorOf(refused)).toMatchObject({
      type: 'invalid_request_error',
      param: 'file',
      code: 'invalid_file_format',
    });
    expect(String(errorOf(refused)['message'])).toContain(message);
    expect(fake.state.files.size).toBe(0);
  });

  it("takes the SDK's pre-signed upload (POST /files → 302 → PUT), whose PUT fails on Node before it reaches the fake", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'together-fake-'));
    const path = join(dir, 'train.jsonl');
    writeFileSync(path, jsonl(chatRows(3)));
    // `files.upload` reads TOGETHER_API_BASE_URL (not the client's baseURL) when its module loads,
    // and only its CommonJS build can read files at all (the ESM one has no `require`).
    process.env['TOGETHER_API_BASE_URL'] = fake.url;
    try {
      const { default: CommonJsTogether } = createRequire(import.meta.url)('together-ai') as {
        default: typeof Together;
      };
      const cjs = new CommonJsTogether({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
      await expect(cjs.files.upload(path, 'fine-tune')).rejects.toThrow('duplex option is required');
    } finally {
      delete process.env['TOGETHER_API_BASE_URL'];
    }

    const announced = fake.requests.find((entry) => entry.method === 'POST' && entry.path === '/v1/files');
    expect(announced).toMatchObject({
      status: 302,
      body: { file_name: path, file_type: 'jsonl', purpose: 'fine-tune' },
    });
    const [file] = [...fake.state.files.values()];
    expect(await client.files.retrieve(file?.id ?? '')).toMatchObject({
      Processed: false,
      processing_status: 'PENDING',
      bytes: 0,
    });

    // What the SDK meant to do next: PUT the bytes to the pre-signed URL, then retrieve the file.
    const put = await fetch(`${fake.url.replace(/\/v1$/, '')}/_storage/${file?.uploadToken}`, {
      method: 'PUT',
      body: jsonl(chatRows(3)),
    });
    expect(put.status).toBe(200);
    expect(await client.files.retrieve(file?.id ?? '')).toMatchObject({
      Processed: true,
      processing_status: 'COMPLETED',
      validation_report: { valid: true, nlines: 3 },
    });
  });

  it('checks content that arrives pre-signed after the fact, and fine-tunes refuse it', async () => {
    const redirect = await fetch(`${fake.url}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ file_name: 'bad.jsonl', file_type: 'jsonl', purpose: 'fine-tune' }).toString(),
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    const id = redirect.headers.get('x-together-file-id') ?? '';
    await fetch(redirect.headers.get('location') ?? '', { method: 'PUT', body: '{"messages": "not a list"}\n' });
    const file = await client.files.retrieve(id);
    expect(file).toMatchObject({
      Processed: true,
      processing_status: 'INVALID_FORMAT',
      validation_report: { valid: false, error_type: 'INVALID_FORMAT' },
    });
    expect(file.validation_report?.error).toContain('The `messages` column must be a list');
    const refused = await rejection(client.fineTuning.create({ model: BASE_MODEL, training_file: id }));
    expect(errorOf(refused)).toMatchObject({ param: 'training_file', code: 'invalid_file_format' });
  });

  it('stays unprocessed for fileProcessingMs, and jobs wait for it', async () => {
    fake.configure({ fileProcessingMs: 5_000 });
    const file = await uploadFile(client, jsonl(chatRows(3)));
    expect(file.Processed).toBe(false);
    expect(
      errorOf(await rejection(client.fineTuning.create({ model: BASE_MODEL, training_file: file.id }))),
    ).toMatchObject({ code: 'file_not_ready' });
    expect(await client.fineTuning.estimatePrice({ training_file: file.id, model: BASE_MODEL })).toEqual({
      estimation_available: false,
      unavailable_reason: 'train_file_not_validated',
    });
    clock += 5_000;
    expect((await client.files.retrieve(file.id)).Processed).toBe(true);
  });
});

describe('fine-tuning', () => {
  it('runs a job through every stage with the events, checkpoints and loss curve Together reports', async () => {
    const file = await uploadFile(client, jsonl(chatRows(24)));
    const validation = await uploadFile(client, jsonl(chatRows(6)), 'valid.jsonl');
    const created = await client.fineTuning.create({
      model: BASE_MODEL,
      training_file: file.id,
      validation_file: validation.id,
      n_epochs: 3,
      n_checkpoints: 3,
      n_evals: 3,
      batch_size: 8,
      learning_rate: 0.0002,
      warmup_ratio: 0.25,
      suffix: 'tuneline',
      training_type: { type: 'Lora', lora_r: 16, lora_alpha: 32 },
    });
    expect(created).toMatchObject({
      status: 'pending',
      model: BASE_MODEL,
      n_epochs: 3,
      batch_size: 8,
      token_count: 0,
      training_type: {
        type: 'Lora',
        lora_r: 16,
        lora_alpha: 32,
        lora_dropout: 0,
        lora_trainable_modules: 'all-linear',
      },
      training_method: { method: 'sft', train_on_inputs: false },
      progress: { estimate_available: true, seconds_remaining: 1 },
    });
    expect(created.id).toMatch(/^ft-[0-9a-f-]{36}$/);
    expect(created.model_output_name).toMatch(
      /^fake-user\/Meta-Llama-3\.1-8B-Instruct-Reference-tuneline-[0-9a-f]{8}$/,
    );

    const status = async (ms: number) => {
      clock += ms;
      return client.fineTuning.retrieve(created.id);
    };
    expect((await status(1_000)).status).toBe('queued');
    const running = await status(1_000);
    expect(running).toMatchObject({ status: 'running', epochs_completed: 0, param_count: 8_000_000_000 });
    const perExample = chatRows(24).map(
      (row) => 1 + row.messages.reduce((sum, message) => sum + 4 + countTokens(message.content), 0),
    );
    expect(running.token_count).toBe(3 * perExample.reduce((a, b) => a + b, 0));
    expect((await status(6_000)).epochs_completed).toBe(1);
    expect((await status(6_000)).status).toBe('compressing');
    expect((await status(1_000)).status).toBe('uploading');
    const done = await status(1_000);
    expect(done).toMatchObject({
      status: 'completed',
      epochs_completed: 3,
      model_output_path: expect.stringContaining(created.model_output_name ?? '?'),
    });
    // LoRA SFT on an 8B model: $0.48 per million tokens, in nanodollars; evaluations count too.
    const evalTokens = chatRows(6)
      .map((row) => 1 + row.messages.reduce((sum, message) => sum + 4 + countTokens(message.content), 0))
      .reduce((a, b) => a + b, 0);
    expect(done.total_price).toBe(Math.round(((done.token_count ?? 0) + 3 * evalTokens) * 0.48 * 1000));

    const { data: events } = await client.fineTuning.listEvents(created.id);
    expect(events.map((event) => event.created_at)).toEqual([...events.map((event) => event.created_at)].sort());
    expect(events.map((event) => event.type)).toEqual([
      'job_pending',
      'job_start',
      'model_download_complete',
      'training_data_download_complete',
      'validation_data_download_complete',
      'training_start',
      'epoch_complete',
      'checkpoint_save',
      'epoch_complete',
      'checkpoint_save',
      'epoch_complete',
      'training_complete',
      'model_compressing',
      'model_compression_complete',
      'model_uploading',
      'model_upload_complete',
      'job_complete',
    ]);
    expect(events[0]?.message).toBe('Fine tune request created');
    expect(events.filter((event) => event.type === 'epoch_complete').map((event) => event.message)).toEqual([
      'Epoch completed, at step 3',
      'Epoch completed, at step 6',
      'Epoch completed, at step 9',
    ]);
    expect(events.at(-1)?.message).toMatch(/^Job finished at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const { data: checkpoints } = await client.fineTuning.listCheckpoints(created.id);
    expect(checkpoints.map((checkpoint) => [checkpoint.step, checkpoint.checkpoint_type])).toEqual([
      [9, 'Final'],
      [6, 'Intermediate'],
      [3, 'Intermediate'],
    ]);

    const { metrics = [] } = await client.fineTuning.listMetrics(created.id);
    expect(metrics).toHaveLength(9);
    expect(metrics.map((point) => point['global_step'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(metrics.at(-1)?.['train_loss']).toBeLessThan(metrics[0]?.['train_loss'] ?? 0);
    expect(metrics.filter((point) => 'eval_loss' in point).map((point) => point['global_step'])).toEqual([3, 6, 9]);
    // Warm-up over the first 2 steps (25% of 9), then linear decay towards 0.
    expect(metrics.slice(0, 3).map((point) => point['learning_rate'])).toEqual([0, 0.0001, 0.0002]);
    expect(metrics.at(-1)?.['learning_rate']).toBeCloseTo(0.0002 / 7, 12);
    expect((await client.fineTuning.listMetrics(created.id, { global_step_from: 8 })).metrics).toHaveLength(2);

    expect((await client.fineTuning.list()).data.map((job) => job.id)).toEqual([created.id]);
  });

  it('cancels: cancel_requested, then cancelled, and a finished job cannot be cancelled or is deleted', async () => {
    const file = await uploadFile(client, jsonl(chatRows(10)));
    const job = await client.fineTuning.create({ model: BASE_MODEL, training_file: file.id });
    clock += 2_500;
    expect(await client.fineTuning.cancel(job.id)).toMatchObject({
      status: 'cancel_requested',
      progress: { estimate_available: false },
    });
    expect(errorOf(await rejection(client.fineTuning.delete(job.id)))).toMatchObject({ param: 'id' });
    clock += 1_000;
    expect((await client.fineTuning.retrieve(job.id)).status).toBe('cancelled');
    clock += 60_000;
    const { data: events } = await client.fineTuning.listEvents(job.id);
    expect(events.slice(-2).map((event) => event.type)).toEqual(['cancel_requested', 'job_stopped']);
    expect(await rejection(client.fineTuning.cancel(job.id))).toMatchObject({ status: 400 });
    expect(await client.fineTuning.delete(job.id)).toEqual({ message: `Fine-tune job ${job.id} deleted.` });
    expect(fake.state.fineTunedModels.size).toBe(0);
  });

  it('fails (faults.failJobs) with a job_error event, or never leaves the queue (faults.stuckJobs)', async () => {
    const file = await uploadFile(client, jsonl(chatRows(10)));
    fake.configure({ faults: { failJobs: { message: 'Training failed: NaN loss.' } } });
    const failing = await client.fineTuning.create({ model: BASE_MODEL, training_file: file.id });
    fake.configure({ faults: { failJobs: undefined, stuckJobs: true } });
    const stuck = await client.fineTuning.create({ model: BASE_MODEL, training_file: file.id });
    clock += 60_000;
    expect(await client.fineTuning.retrieve(failing.id)).toMatchObject({ status: 'error' });
    expect((await client.fineTuning.listEvents(failing.id)).data.at(-1)).toMatchObject({
      type: 'job_error',
      level: 'error',
      message: 'Training failed: NaN loss.',
    });
    expect(await client.fineTuning.retrieve(stuck.id)).toMatchObject({
      status: 'queued',
      queue_depth: 1,
      progress: { estimate_available: false },
    });
  });

  it.each([
    ['an unsupported base model', { model: SERVERLESS_MODEL }, 'model'],
    ['zero epochs', { n_epochs: 0 }, 'n_epochs'],
    ['more checkpoints than epochs', { n_epochs: 2, n_checkpoints: 3 }, 'n_checkpoints'],
    ['a batch below the minimum', { batch_size: 2 }, 'batch_size'],
    [
      'a LoRA rank above the maximum',
      { training_type: { type: 'Lora', lora_r: 128, lora_alpha: 256 } },
      'training_type.lora_r',
    ],
    ['LoRA without alpha', { training_type: { type: 'Lora', lora_r: 8 } }, 'training_type.lora_alpha'],
    [
      'unknown LoRA modules',
      { training_type: { type: 'Lora', lora_r: 8, lora_alpha: 16, lora_trainable_modules: 'q_proj,attn' } },
      'training_type.lora_trainable_modules',
    ],
    ['a learning rate above 1', { learning_rate: 2 }, 'learning_rate'],
    ['evaluations without a validation file', { n_evals: 2 }, 'n_evals'],
    ['a suffix with spaces', { suffix: 'my model' }, 'suffix'],
    ['DPO on chat data', { training_method: { method: 'dpo' } }, 'training_method'],
    ['an unknown checkpoint', { from_checkpoint: 'ft-nope:10' }, 'from_checkpoint'],
  ] as [string, Record<string, unknown>, string][])('refuses %s with a 400 naming it', async (_name, params, param) => {
    const file = await uploadFile(client, jsonl(chatRows(10)));
    const refused = await rejection(
      client.fineTuning.create({
        model: BASE_MODEL,
        training_file: file.id,
        ...params,
      } as Together.FineTuning.FineTuningCreateParams),
    );
    expect(refused).toBeInstanceOf(Together.BadRequestError);
    expect(errorOf(refused)).toMatchObject({ type: 'invalid_request_error', param });
    expect(fake.state.jobs.size).toBe(0);
  });

  it('refuses full training where the model has none, and an unknown training file', async () => {
    const file = await uploadFile(client, jsonl(chatRows(10)));
    const big = await rejection(
      client.fineTuning.create({
        model: 'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference',
        training_file: file.id,
        training_type: { type: 'Full' },
      }),
    );
    expect(errorOf(big)).toMatchObject({ param: 'training_type' });
    expect(
      errorOf(await rejection(client.fineTuning.create({ model: BASE_MODEL, training_file: 'file-nope' }))),
    ).toMatchObject({ param: 'training_file', code: 'file_not_found' });
  });

  it('trains DPO on preference data and continues from a checkpoint', async () => {
    const preference = await uploadFile(client, jsonl(preferenceRows(10)), 'prefs.jsonl');
    const dpo = await client.fineTuning.create({
      model: BASE_MODEL,
      training_file: preference.id,
      training_method: { method: 'dpo', dpo_beta: 0.2 },
    });
    expect(dpo.training_method).toMatchObject({ method: 'dpo', dpo_beta: 0.2, rpo_alpha: 0 });
    expect(dpo.batch_size).toBe(32);
    const first = await completedJob({ n_epochs: 2, n_checkpoints: 2 });
    const next = await client.fineTuning.create({
      model: BASE_MODEL,
      training_file: first.training_file ?? '',
      from_checkpoint: `${first.model_output_name}:${first.n_epochs === 2 ? 1 : 0}`,
    });
    expect(next.from_checkpoint).toBe(`${first.model_output_name}:1`);
  });

  it('estimates prices, lists the supported models and their limits', async () => {
    const file = await uploadFile(client, jsonl(chatRows(10)));
    const tokens = chatRows(10)
      .map((row) => 1 + row.messages.reduce((sum, message) => sum + 4 + countTokens(message.content), 0))
      .reduce((a, b) => a + b, 0);
    const estimate = await client.fineTuning.estimatePrice({ training_file: file.id, model: BASE_MODEL, n_epochs: 2 });
    expect(estimate).toEqual({
      estimation_available: true,
      estimated_total_price: Math.round(2 * tokens * 0.48) / 1e6,
      allowed_to_proceed: true,
      user_limit: 100,
      estimated_train_token_count: 2 * tokens,
      estimated_eval_token_count: 0,
    });
    fake.configure({ creditLimitUsd: 0 });
    expect(await client.fineTuning.estimatePrice({ training_file: file.id, model: BASE_MODEL })).toMatchObject({
      allowed_to_proceed: false,
      user_limit: 0,
    });

    const supported = await client.get<{ models: string[] }>('/fine-tunes/models/supported');
    expect(supported.models).toContain(BASE_MODEL);
    expect(await client.fineTuning.modelLimits({ model_name: BASE_MODEL })).toMatchObject({
      model_name: BASE_MODEL,
      lora_training: { min_batch_size: 8, max_batch_size: 64, max_rank: 64 },
      full_training: { min_batch_size: 8 },
      max_num_epochs: 20,
    });
    const missing = await rejection(client.fineTuning.modelLimits({ model_name: SERVERLESS_MODEL }));
    expect(missing).toMatchObject({
      status: 404,
      error: { message: `Model ${SERVERLESS_MODEL} is not available for fine-tuning.` },
    });
  });

  it('reports odd numbers on demand (faults.tokenCount, faults.totalPrice)', async () => {
    fake.configure({ faults: { tokenCount: -1, totalPrice: 2 ** 53 } });
    const done = await completedJob();
    expect(done).toMatchObject({ token_count: -1, total_price: 2 ** 53 });
  });
});

describe('chat completions', () => {
  it('answers the scripted label with Together logprobs: parallel lists and a top_logprobs map', async () => {
    fake.script({ table: { 'buy now': { answer: 'spam', distribution: { spam: 0.8, ham: 0.15 } } }, default: 'ham' });
    const completion = await classify('buy now', { logprobs: 3, max_tokens: 1 });
    expect(completion).toMatchObject({ object: 'chat.completion', model: SERVERLESS_MODEL, prompt: [] });
    const choice = completion.choices[0];
    expect(choice).toMatchObject({ finish_reason: 'eos', message: { role: 'assistant', content: 'spam' } });
    expect(choice?.logprobs?.tokens).toEqual(['spam']);
    expect(choice?.logprobs?.token_ids).toHaveLength(1);
    expect(Math.exp(choice?.logprobs?.token_logprobs?.[0] ?? 0)).toBeCloseTo(0.8, 6);
    const top = choice?.logprobs?.top_logprobs ?? {};
    expect(Object.keys(top)).toEqual(['spam', 'ham']);
    expect(Math.exp(top['ham'] ?? 0)).toBeCloseTo(0.15, 6);
    const prompt = 1 + 4 + (4 + countTokens(SYSTEM)) + (4 + countTokens('buy now'));
    expect(completion.usage).toEqual({ prompt_tokens: prompt, completion_tokens: 1, total_tokens: prompt + 1 });
  });

  it('gives one top_logprobs map per token when asked for the live shape', async () => {
    fake.configure({ topLogprobsShape: 'per-token' });
    fake.script({ table: {}, default: 'not spam' });
    const completion = await classify('x', { logprobs: 2 });
    const logprobs = completion.choices[0]?.logprobs as unknown as {
      tokens: string[];
      top_logprobs: Record<string, number>[];
    };
    expect(logprobs.top_logprobs).toHaveLength(logprobs.tokens.length);
  });

  it('answers the first label of the system prompt by default, cuts at stop and max_tokens', async () => {
    expect((await classify('anything')).choices[0]?.message?.content).toBe('spam');
    fake.script({ table: {}, default: 'ham, probably' });
    expect((await classify('x', { stop: [','] })).choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: 'ham' },
    });
    const cut = await classify('x', { max_tokens: 1 });
    expect(cut.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'ham' } });
    expect(cut.choices[0]?.logprobs).toBeUndefined();
  });

  it("refuses OpenAI's boolean logprobs, more than 20, streaming, and a context overflow", async () => {
    const boolean = await rejection(classify('x', { logprobs: true as unknown as number }));
    expect(errorOf(boolean)).toMatchObject({ param: 'logprobs', code: 'invalid_type' });
    expect(errorOf(await rejection(classify('x', { logprobs: 21 })))).toMatchObject({ param: 'logprobs' });
    const streaming = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: SERVERLESS_MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(streaming.status).toBe(400);
    expect(await streaming.json()).toMatchObject({ error: { param: 'stream' } });
    const overflow = await rejection(classify('x', { max_tokens: 200_000 }));
    expect(String(errorOf(overflow)['message'])).toMatch(
      /^Input validation error: `inputs` tokens \+ `max_new_tokens` must be <= 131072\./,
    );
    expect(
      (await classify('x', { max_tokens: 200_000, context_length_exceeded_behavior: 'truncate' })).choices,
    ).toHaveLength(1);
  });

  it('answers 404 model_not_available for unknown and retired models', async () => {
    const unknown = await rejection(classify('x', { model: 'nobody/nothing' }));
    expect(unknown).toBeInstanceOf(Together.NotFoundError);
    expect(errorOf(unknown)).toMatchObject({
      code: 'model_not_available',
      message: expect.stringContaining('Unable to access model nobody/nothing.'),
    });
    fake.configure({ faults: { retiredModels: [SERVERLESS_MODEL] } });
    expect(await rejection(classify('x'))).toMatchObject({ status: 404 });
    expect((await client.models.list()).map((model) => model.id)).not.toContain(SERVERLESS_MODEL);
  });

  it('sends the rate-limit headers and answers 429 with retry-after past the per-second limit', async () => {
    fake.configure({ rateLimits: { rps: 2, tps: 100_000 } });
    const { response } = await classify('one', { max_tokens: 5 }).withResponse();
    expect(response.headers.get('x-ratelimit-limit')).toBe('2');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(response.headers.get('x-tokenlimit-limit')).toBe('100000');
    const prompt = 1 + 4 + (4 + countTokens(SYSTEM)) + (4 + countTokens('one'));
    expect(Number(response.headers.get('x-tokenlimit-remaining'))).toBe(100_000 - prompt - 5);
    await classify('two');
    const limited = await rejection(classify('three'));
    expect(limited).toBeInstanceOf(Together.RateLimitError);
    expect(errorOf(limited)).toMatchObject({ type: 'dynamic_request_limited', code: 'rate_limit_exceeded' });
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers?.get('x-ratelimit-remaining')).toBe('0');
    clock += 1_000;
    await expect(classify('four')).resolves.toBeDefined();
    expect(fake.stats()).toMatchObject({
      rateLimited: { requests: 1, total: 1 },
      models: { [SERVERLESS_MODEL]: { requests: 4, succeeded: 3, rateLimited: 1 } },
    });

    // A request above a second's token allowance goes through on a full bucket, and the next one waits.
    fake.configure({ rateLimits: { rps: undefined, tps: 50 } });
    await classify('a long message that needs many tokens', { max_tokens: 40 });
    const tokens = await rejection(classify('again', { max_tokens: 40 }));
    expect(errorOf(tokens)).toMatchObject({ type: 'dynamic_token_limited' });
    expect(Number(tokens.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const files = await client.files.list().withResponse();
    expect(files.response.headers.get('x-ratelimit-limit')).toBeNull();
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
    const retrying = new Together({ apiKey: 'test', baseURL: fake.url, maxRetries: 2 });
    await retrying.chat.completions.create({ model: SERVERLESS_MODEL, messages: [{ role: 'user', content: 'x' }] });
    const attempts = fake.requests.filter((entry) => entry.path === '/v1/chat/completions');
    expect(attempts.map((entry) => entry.status)).toEqual([503, 429, 200]);
    expect(attempts.map((entry) => entry.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(fake.stats().faults.statusSequence).toBe(2);
  });

  it('hangs, adds latency, and fails at random reproducibly, on the paths asked', async () => {
    fake.configure({ faults: { hang: { count: 1 }, paths: ['/models'] } });
    const impatient = new Together({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, timeout: 200 });
    await expect(impatient.models.list()).rejects.toBeInstanceOf(Together.APIConnectionTimeoutError);
    await expect(impatient.models.list()).resolves.toBeDefined();
    fake.configure({ faults: { hang: false, paths: [], latencyMs: 30 } });
    const started = performance.now();
    await classify('x');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    const outcomes = async () => {
      fake.configure({ seed: 1, faults: { latencyMs: 0, errorRate: 0.5 } });
      const statuses = [];
      for (let i = 0; i < 8; i += 1)
        statuses.push(
          await classify('x').then(
            () => 200,
            (error: InstanceType<typeof Together.APIError>) => error.status,
          ),
        );
      return statuses;
    };
    const first = await outcomes();
    expect(first).toContain(500);
    expect(await outcomes()).toEqual(first);
  });

  it('answers odd-but-allowed shapes: scripted usage, usage null, logprobs left out', async () => {
    fake.configure({ faults: { usage: { prompt_tokens: -3, completion_tokens: 1_000_000 } } });
    expect((await classify('x')).usage).toEqual({
      prompt_tokens: -3,
      completion_tokens: 1_000_000,
      total_tokens: 999_997,
    });
    fake.configure({ faults: { usage: undefined, nullUsage: true, dropLogprobs: true } });
    const odd = await classify('x', { logprobs: 5 });
    expect(odd.usage).toBeNull();
    expect(odd.choices[0]?.logprobs).toBeUndefined();
  });

  it('demands a bearer token', async () => {
    const response = await fetch(`${fake.url}/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_api_key', type: 'invalid_request_error', param: null },
    });
  });
});

describe('dedicated endpoints', () => {
  it('serve a fine-tuned model only once started (servingRequiresEndpoint), and stop serving when stopped', async () => {
    const job = await completedJob({ suffix: 'spam' });
    const model = job.model_output_name ?? '';
    fake.script({ table: {}, default: 'ham' });
    const ask = (name = model) =>
      client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'x' }] });
    const refused = await rejection(ask());
    expect(errorOf(refused)).toMatchObject({
      code: 'model_not_available',
      message: `Unable to access non-serverless model ${model}. Please visit https://api.together.ai/models/${model} to create and start a new dedicated endpoint for the model.`,
    });

    const endpoint = await client.endpoints.create({
      model,
      hardware: H100,
      autoscaling: { min_replicas: 1, max_replicas: 2 },
    });
    expect(endpoint).toMatchObject({
      object: 'endpoint',
      type: 'dedicated',
      state: 'PENDING',
      model,
      hardware: H100,
      owner: 'fake-user',
    });
    expect(endpoint.name).toMatch(/^fake-user\/Meta-Llama-3\.1-8B-Instruct-Reference-spam-[0-9a-f]{8}-[0-9a-f]{8}$/);
    clock += 1_000;
    expect((await client.endpoints.retrieve(endpoint.id)).state).toBe('STARTING');
    expect(await rejection(ask())).toMatchObject({ status: 400 });
    clock += 2_000;
    expect((await client.endpoints.retrieve(endpoint.id)).state).toBe('STARTED');
    const viaModel = await ask().withResponse();
    expect(viaModel.data.choices[0]?.message?.content).toBe('ham');
    // Dedicated endpoints are not under the serverless rate limits.
    expect(viaModel.response.headers.get('x-ratelimit-limit')).toBeNull();
    expect((await ask(endpoint.name)).model).toBe(endpoint.name);

    expect(
      await client.endpoints.update(endpoint.id, {
        state: 'STOPPED',
        autoscaling: { min_replicas: 2, max_replicas: 4 },
      }),
    ).toMatchObject({
      state: 'STOPPING',
      autoscaling: { min_replicas: 2, max_replicas: 4 },
    });
    clock += 1_000;
    expect((await client.endpoints.retrieve(endpoint.id)).state).toBe('STOPPED');
    expect(await rejection(ask(endpoint.name))).toMatchObject({ status: 400 });
    await client.endpoints.update(endpoint.id, { state: 'STARTED' });
    clock += 3_000;
    await expect(ask()).resolves.toBeDefined();

    expect(
      (await client.endpoints.list({ type: 'dedicated' })).data.map((listed) => [listed.id, listed.state]),
    ).toEqual([[endpoint.id, 'STARTED']]);
    expect(
      (await client.endpoints.list()).data.some(
        (listed) => listed.type === 'serverless' && listed.model === SERVERLESS_MODEL,
      ),
    ).toBe(true);
    await client.endpoints.delete(endpoint.id);
    expect(await rejection(client.endpoints.retrieve(endpoint.id))).toMatchObject({ status: 404 });
    expect(await rejection(ask())).toMatchObject({ status: 400 });
  });

  it('serve fine-tuned models serverless when servingRequiresEndpoint is off; base models still need one', async () => {
    fake.configure({ servingRequiresEndpoint: false });
    const job = await completedJob();
    await expect(
      client.chat.completions.create({
        model: job.model_output_name ?? '',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).resolves.toBeDefined();
    expect(
      await rejection(
        client.chat.completions.create({ model: BASE_MODEL, messages: [{ role: 'user', content: 'x' }] }),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('stop by themselves after inactive_timeout minutes without requests', async () => {
    const endpoint = await client.endpoints.create({
      model: SERVERLESS_MODEL,
      hardware: H100,
      autoscaling: { min_replicas: 1, max_replicas: 1 },
      inactive_timeout: 5,
    });
    clock += 3_000 + 4 * 60_000;
    expect((await client.endpoints.retrieve(endpoint.id)).state).toBe('STARTED');
    clock += 60_000;
    expect((await client.endpoints.retrieve(endpoint.id)).state).toBe('STOPPING');
  });

  it('refuse hardware that is too small, unknown or unavailable; end in ERROR on demand', async () => {
    const big = 'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference';
    const small = await rejection(
      client.endpoints.create({ model: big, hardware: H100, autoscaling: { min_replicas: 1, max_replicas: 1 } }),
    );
    expect(errorOf(small)).toMatchObject({ param: 'hardware', code: 'insufficient_hardware' });
    expect(
      errorOf(
        await rejection(
          client.endpoints.create({
            model: big,
            hardware: '1x_tpu',
            autoscaling: { min_replicas: 1, max_replicas: 1 },
          }),
        ),
      ),
    ).toMatchObject({ param: 'hardware' });
    expect(
      errorOf(
        await rejection(
          client.endpoints.create({
            model: 'nobody/nothing',
            hardware: H100,
            autoscaling: { min_replicas: 1, max_replicas: 1 },
          }),
        ),
      ),
    ).toMatchObject({ param: 'model' });
    expect(
      errorOf(
        await rejection(
          client.endpoints.create({
            model: big,
            hardware: '4x_nvidia_h100_80gb_sxm',
            autoscaling: { min_replicas: 2, max_replicas: 1 },
          }),
        ),
      ),
    ).toMatchObject({ param: 'autoscaling.max_replicas' });
    fake.configure({ faults: { unavailableHardware: ['4x_nvidia_h100_80gb_sxm'], endpointErrors: true } });
    expect(
      errorOf(
        await rejection(
          client.endpoints.create({
            model: big,
            hardware: '4x_nvidia_h100_80gb_sxm',
            autoscaling: { min_replicas: 1, max_replicas: 1 },
          }),
        ),
      ),
    ).toMatchObject({ code: 'hardware_unavailable' });
    const broken = await client.endpoints.create({
      model: big,
      hardware: '8x_nvidia_h100_80gb_sxm',
      autoscaling: { min_replicas: 1, max_replicas: 1 },
    });
    clock += 3_000;
    expect((await client.endpoints.retrieve(broken.id)).state).toBe('ERROR');
  });

  it('list hardware with per-minute prices, and for a model only what fits, with availability', async () => {
    const all = await client.endpoints.listHardware();
    expect(all.data.find((hardware) => hardware.id === H100)).toMatchObject({
      pricing: { cents_per_minute: 5.6 },
      specs: { gpu_count: 1, gpu_memory: 80, gpu_type: 'h100-80gb' },
    });
    expect(all.data.every((hardware) => hardware.availability === undefined)).toBe(true);
    fake.configure({ faults: { unavailableHardware: ['8x_nvidia_h100_80gb_sxm'] } });
    const fitting = await client.endpoints.listHardware({ model: 'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference' });
    expect(fitting.data.map((hardware) => [hardware.id, hardware.availability?.status])).toEqual([
      ['4x_nvidia_h100_80gb_sxm', 'available'],
      ['8x_nvidia_h100_80gb_sxm', 'unavailable'],
    ]);
  });
});

describe('models', () => {
  it('lists serverless models with per-token prices, and dedicated ones (bases, fine-tunes) on request', async () => {
    const models = await client.models.list();
    expect(models.find((model) => model.id === SERVERLESS_MODEL)).toMatchObject({
      object: 'model',
      type: 'chat',
      pricing: { input: 0.18, output: 0.18, hourly: 0 },
    });
    const job = await completedJob();
    const dedicated = (await client.models.list({ dedicated: true })).map((model) => model.id);
    expect(dedicated).toContain(BASE_MODEL);
    expect(dedicated).toContain(job.model_output_name);
    expect(dedicated).not.toContain(SERVERLESS_MODEL);
  });
});

describe('control API', () => {
  it('reconfigures, scripts, reports and resets over HTTP', async () => {
    const control = fake.url.replace(/\/v1$/, '/_fake');
    const post = (path: string, body: unknown) =>
      fetch(`${control}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/configure', { rateLimits: { rps: 1 } })).status).toBe(200);
    expect(
      (await post('/script', { rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' })).status,
    ).toBe(200);
    expect((await classify('I want a refund')).choices[0]?.message?.content).toBe('billing');
    expect(await rejection(classify('again'))).toMatchObject({ status: 429 });
    const stats = (await (await fetch(`${control}/stats`)).json()) as {
      requests: { byStatus: Record<string, number> };
    };
    expect(stats.requests.byStatus).toEqual({ '200': 1, '429': 1 });
    expect((await post('/reset', {})).status).toBe(200);
    expect(fake.stats().requests.total).toBe(0);
    expect((await classify('I want a refund')).choices[0]?.message?.content).toBe('spam');
  });
});
