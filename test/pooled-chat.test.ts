import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptConfig } from '../src/domain/labeling/prompt-config.js';
import { createOpenAIClassifier } from '../src/providers/openai/openai-classifier.js';
import { pooledChat } from '../src/providers/openai/pooled-chat-classifier.js';
import { ProviderError } from '../src/providers/provider.js';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { freePort } from './helpers/redis-server.js';

/**
 * The classify hot path (pooled undici client) against the SDK classifier it stands in for: every
 * way an upstream can fail must come out as the same ProviderError, so fallback, circuits and
 * retries behave exactly as they did through the SDK.
 */

let fake: OpenAIFake;
let sdk: ReturnType<typeof createOpenAIClassifier>;
let pooled: ReturnType<typeof pooledChat>;
const prompt: PromptConfig = { instructions: 'Spam?', labels: [{ name: 'spam' }, { name: 'ham' }], fewShot: [] };

beforeAll(async () => {
  fake = await startOpenAIFake();
  sdk = createOpenAIClassifier(
    new OpenAI({ apiKey: 'k', baseURL: fake.url, maxRetries: 0, timeout: 2_000 }),
    'gpt-4o-mini',
  );
  pooled = pooledChat({ apiKey: 'k', baseUrl: fake.url, timeoutMs: 2_000 });
});
afterAll(async () => {
  await pooled?.close();
  await fake?.close();
});

const failureOf = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const { kind, code, details } = error as ProviderError;
  return { kind, code, status: details.status, retryAfterMs: details.retryAfterMs };
};

describe('the pooled chat classifier fails as the SDK classifier does', () => {
  const statuses = [
    { status: 429, retryAfterMs: 2_000 },
    { status: 429, code: 'insufficient_quota', type: 'insufficient_quota' },
    { status: 400, code: 'context_length_exceeded' },
    { status: 401 },
    { status: 404, code: 'model_not_found' },
    { status: 500 },
    { status: 503, retryAfterMs: 1_000 },
  ];
  for (const fault of statuses) {
    it(`on ${fault.status} ${fault.code ?? ''}`, async () => {
      fake.configure({ faults: { statusSequence: [fault, fault] } });
      const bySdk = await failureOf(sdk.classify('hello', prompt));
      const byPool = await failureOf(pooled.classifier('gpt-4o-mini').classify('hello', prompt));
      expect(byPool).toEqual(bySdk);
      expect(byPool.status).toBe(fault.status);
    });
  }

  it('when nothing listens (connection_error), and when the caller aborts (the abort passes through)', async () => {
    const closed = pooledChat({ apiKey: 'k', baseUrl: `http://127.0.0.1:${await freePort()}/v1`, timeoutMs: 2_000 });
    try {
      expect(await failureOf(closed.classifier('gpt-4o-mini').classify('hello', prompt))).toMatchObject({
        kind: 'retryable',
        code: 'connection_error',
      });
    } finally {
      await closed.close();
    }
    fake.configure({ faults: { hang: { count: 1 } } });
    const controller = new AbortController();
    const call = pooled.classifier('gpt-4o-mini').classify('hello', prompt, controller.signal);
    setTimeout(() => controller.abort(new Error('budget spent')), 50);
    await expect(call).rejects.toThrow('budget spent');
    fake.configure({ faults: {} });
  });

  it('times out a hanging upstream after the connection’s timeout, as a retryable timeout', async () => {
    const impatient = pooledChat({ apiKey: 'k', baseUrl: fake.url, timeoutMs: 200 });
    fake.configure({ faults: { hang: { count: 1 } } });
    try {
      expect(await failureOf(impatient.classifier('gpt-4o-mini').classify('hello', prompt))).toMatchObject({
        kind: 'retryable',
        code: 'timeout',
      });
    } finally {
      fake.configure({ faults: {} });
      await impatient.close();
    }
  });
});
