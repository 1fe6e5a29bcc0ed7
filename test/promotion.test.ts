import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { splitDataset } from './helpers/training.js';

const BYO = 'ft:gpt-4o-mini-2024-07-18:fake-org:byo:abc123';
const auth = bearer(ADMIN_KEY);
let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;

/** How each model answers a title: `mode` per model id sent to the fake. */
const answers: Record<string, 'banana' | 'right' | 'other' | 'mostly right'> = {};
let calls = 0;

beforeAll(async () => {
  fake = await startOpenAIFake({ models: { known: ['gpt-4o-mini', BYO, `${BYO}-good`, `${BYO}-flaky`] } });
  fake.script(({ model, userText }) => {
    const right = /how to|tutorial|drill|technique|step by step|breakdown/i.test(userText) ? 'instructional' : 'other';
    switch (answers[model] ?? 'right') {
      case 'banana':
        return 'banana';
      case 'other':
        return 'other';
      case 'mostly right':
        // One answer in ten names no label.
        return ++calls % 10 === 0 ? 'I cannot tell' : right;
      case 'right':
        return right;
    }
  });
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  workers = await startWorkers(h, ['evaluation'], 4);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

async function evaluate(modelId: string, version: string) {
  const created = await h.http().post('/v1/evaluations').set('authorization', auth).send({ model_version_id: modelId, dataset_version_id: version });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  let evaluation: Record<string, any> = {};
  await expect
    .poll(
      async () => {
        evaluation = (await h.http().get(`/v1/evaluations/${created.body.id}`).set('authorization', auth)).body;
        return evaluation['status'];
      },
      { timeout: 30_000, interval: 100 },
    )
    .toMatch(/completed|failed/);
  expect(evaluation['status']).toBe('completed');
  return evaluation;
}

const routingOf = async (task: string) => (await h.http().get(`/v1/tasks/${task}/routing`).set('authorization', auth)).body;
const latestEvent = async (task: string) => (await h.http().get(`/v1/tasks/${task}/routing/history?limit=1`).set('authorization', auth)).body.data[0];

describe('promotion without a champion', () => {
  it('does not make a model champion whose every answer was unparseable; classify does not 503', async () => {
    const version = await splitDataset(h, 'unparseable', 240);
    answers[BYO] = 'banana';
    const byo = await registerModel(h, 'unparseable', { kind: 'fine_tuned', provider: 'openai', model: BYO });
    const evaluation = await evaluate(byo, version);
    expect(evaluation['metrics']).toMatchObject({ rows: 36, failed_predictions: 36 });
    expect(evaluation['metrics'].report.macro_avg.f1_score).toBe(0);

    const routing = await routingOf('unparseable');
    expect(routing.champion_id).toBeNull();
    const decision = await latestEvent('unparseable');
    expect(decision).toMatchObject({ action: 'no_promotion', to_model_id: byo, actor: 'policy' });
    expect(decision.reason).toMatch(/36 of 36 predictions failed or named no label \(100\.0 %\); the policy allows at most 5\.0 %/);
    expect(decision.numbers).toMatchObject({ failure_rate: 1, failed_predictions: 36, unknown_predictions: 0, evaluation_id: evaluation['id'] });

    // Nothing serves: a clear 409, not a 503 for every input.
    const answer = await classify(h, 'unparseable', { input: 'how to escape mount' });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('no_model_routed');
  });
});
