import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { registerModel } from './helpers/classify.js';
import {
  cascadeOf,
  seedCascadePredictions,
  seedCompletedEvaluation,
  type SeededEvaluationRow,
} from './helpers/cascade-seeds.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { splitDataset, TITLE_LABELS } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let task: { id: string; slug: string };
let version: string;
let local: string;
let llm: string;
let cascade: string;
const auth = bearer(ADMIN_KEY);
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

// The LLM alone: 120 input and 2 output tokens per call at gpt-4o-mini's 0.15 / 0.60 USD per 1M:
// (120 × 0.15 + 2 × 0.60) / 1M = 0.0000192 USD a call; 10,000 a day for 30 days = 5.76 USD.
const LLM_PER_CALL = 0.0000192;

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  version = await splitDataset(h, 'titles', 20);
  task = (await h.http().get('/v1/tasks/titles').set('authorization', auth)).body;
  local = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'local' });
  llm = await registerModel(h, 'titles', { kind: 'prompt', provider: 'openai', model: 'gpt-4o-mini', name: 'llm' });
  await seedCompletedEvaluation(
    h,
    { taskId: task.id, modelVersionId: llm, model: 'gpt-4o-mini', datasetVersionId: version, labels: TITLE_LABELS },
    Array.from({ length: 10 }, () => ({ trueLabel: 'other', predicted: 'other', inputTokens: 120, outputTokens: 2 })),
  );
  cascade = await cascadeOf(h, task, [
    { modelVersionId: local, minConfidence: 0.9 },
    { modelVersionId: llm, minConfidence: null },
  ]);
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const project = (options: Record<string, unknown>[]) =>
  h
    .http()
    .post('/v1/cost-projections?include=daily')
    .set('authorization', auth)
    .send({ daily_volume: 10_000, horizon_days: 30, options });

const served = (count: number, atLlm: number, createdAt?: Date) =>
  seedCascadePredictions(
    h,
    task.id,
    Array.from({ length: count }, (_, i) =>
      i < atLlm
        ? {
            cascadeId: cascade,
            stage: 1,
            modelVersionId: llm,
            label: 'other',
            escalated: [{ stage: 0, confidence: 0.4 }],
            ...(createdAt ? { createdAt } : {}),
          }
        : { cascadeId: cascade, stage: 0, modelVersionId: local, label: 'other', ...(createdAt ? { createdAt } : {}) },
    ),
  );

describe('cost projections of a cascade', () => {
  it('says when a cascade has neither served nor been evaluated', async () => {
    const response = await project([{ model_version_id: cascade }]);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'body.options[0].model_version_id', message: expect.stringContaining('neither served') },
    ]);
  });

  it('prices a cascade on the reach rates its evaluation measured, against its LLM alone', async () => {
    // 20 rows: 17 answered by the local stage, 3 passed to the LLM: the LLM is reached by 15 %.
    const rows: SeededEvaluationRow[] = Array.from({ length: 20 }, (_, i) => ({
      trueLabel: 'other',
      predicted: 'other',
      stage: i < 17 ? 0 : 1,
      inputTokens: i < 17 ? 0 : 120,
      outputTokens: i < 17 ? 0 : 2,
    }));
    await seedCompletedEvaluation(
      h,
      { taskId: task.id, modelVersionId: cascade, model: 'cascade', datasetVersionId: version, labels: TITLE_LABELS },
      rows,
    );
    const response = await project([{ model_version_id: cascade, name: 'local + LLM' }, { model_version_id: llm }]);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [both, alone] = response.body.options;
    expect(both).toMatchObject({
      name: 'local + LLM',
      model: 'cascade',
      price_source: 'cascade',
      price_per_million: null,
      reach_source: 'evaluation',
      reach_sample: 20,
      training_cost_usd: 0,
      endpoint_usd_per_day: 0,
    });
    expect(both.reach_rates).toEqual([1, 0.15]);
    expect(both.stages).toEqual([
      expect.objectContaining({ stage: 0, model_version_id: local, reach_rate: 1, per_call_usd: 0 }),
      expect.objectContaining({
        stage: 1,
        model_version_id: llm,
        model: 'gpt-4o-mini',
        reach_rate: 0.15,
        price_source: 'price_table',
        price_per_million: { input: 0.15, output: 0.6 },
        per_call_usd: expect.closeTo(LLM_PER_CALL, 15),
      }),
    ]);
    // 0.15 × 0.0000192 = 0.00000288 a call: 0.00288 per 1,000, 0.864 USD over 300,000 calls.
    expect(both.per_call_usd).toBeCloseTo(0.00000288, 15);
    expect(both.per_1000_usd).toBeCloseTo(0.00288, 12);
    expect(both.total_usd).toBeCloseTo(0.864, 9);
    expect(alone.per_call_usd).toBeCloseTo(LLM_PER_CALL, 15);
    expect(alone.total_usd).toBeCloseTo(5.76, 9);
    expect(alone).not.toHaveProperty('reach_source');
    expect(response.body.cheapest_at_horizon).toBe('local + LLM');
    expect(response.body.break_even[0]).toMatchObject({ stays_cheaper: 'local + LLM' });
  });

  it('uses the reach rates as served once the last 7 days hold 100 of its predictions', async () => {
    // 99 in the window (19 reached the LLM) and older ones that do not count: still the evaluation's.
    await served(99, 19);
    await served(50, 50, daysAgo(8));
    const few = await project([{ model_version_id: cascade }]);
    expect(few.body.options[0]).toMatchObject({ reach_source: 'evaluation', reach_rates: [1, 0.15] });

    // The 100th reaches the LLM too: 20 of 100.
    await served(1, 1);
    const response = await project([{ model_version_id: cascade }, { model_version_id: llm }]);
    expect(response.status).toBe(200);
    const [both] = response.body.options;
    expect(both).toMatchObject({ reach_source: 'served', reach_sample: 100, reach_rates: [1, 0.2] });
    // 0.2 × 0.0000192 = 0.00000384 a call; 300,000 calls: 1.152 USD.
    expect(both.per_call_usd).toBeCloseTo(0.00000384, 15);
    expect(both.total_usd).toBeCloseTo(1.152, 9);
  });

  it('takes reach rates from the request', async () => {
    const response = await project([{ model_version_id: cascade, reach_rates: [1, 0.1], training_cost_usd: 2 }]);
    expect(response.status).toBe(200);
    const [option] = response.body.options;
    expect(option).toMatchObject({ reach_source: 'request', reach_sample: null, reach_rates: [1, 0.1] });
    // 0.1 × 0.0000192 a call, 300,000 calls, plus the 2 USD given for training.
    expect(option.per_call_usd).toBeCloseTo(0.00000192, 15);
    expect(option.total_usd).toBeCloseTo(2 + 0.576, 9);
  });

  it('names the offending field', async () => {
    const errorsOf = async (options: Record<string, unknown>[]) => {
      const response = await project(options);
      expect(response.status).toBe(400);
      return response.body.errors;
    };
    expect(await errorsOf([{ model_version_id: cascade, reach_rates: [0.9, 0.1] }])).toEqual([
      { field: 'body.options[0].reach_rates[0]', message: expect.stringContaining('must be 1') },
    ]);
    expect(await errorsOf([{ model_version_id: cascade, reach_rates: [1, 0.2, 0.1] }])).toEqual([
      { field: 'body.options[0].reach_rates', message: expect.stringContaining('2 stages') },
    ]);
    expect(await errorsOf([{ model_version_id: cascade, reach_rates: [0.5, 0.7] }])).toEqual([
      { field: 'body.options[0].reach_rates[0]', message: expect.stringContaining('must be 1') },
      { field: 'body.options[0].reach_rates[1]', message: expect.stringContaining('previous') },
    ]);
    const [outOfRange] = await errorsOf([{ model_version_id: cascade, reach_rates: [1, 1.5] }]);
    expect(outOfRange.field).toBe('body.options[0].reach_rates[1]');
    expect(
      await errorsOf([
        { model_version_id: cascade, input_tokens_per_call: 10, price_per_million: { input: 1, output: 1 } },
        { model_version_id: llm, reach_rates: [1] },
      ]),
    ).toEqual([
      { field: 'body.options[0].input_tokens_per_call', message: expect.stringContaining('each stage') },
      { field: 'body.options[0].price_per_million', message: expect.stringContaining('each stage') },
      { field: 'body.options[1].reach_rates', message: 'only for a cascade model version' },
    ]);
    // A stage billed per token that no evaluation has measured cannot be priced.
    const big = await registerModel(h, 'titles', { kind: 'prompt', provider: 'openai', model: 'gpt-4o', name: 'big' });
    const unmeasured = await cascadeOf(h, task, [
      { modelVersionId: local, minConfidence: 0.9 },
      { modelVersionId: big, minConfidence: null },
    ]);
    expect(await errorsOf([{ model_version_id: unmeasured, reach_rates: [1, 0.5] }])).toEqual([
      { field: 'body.options[0].model_version_id', message: expect.stringContaining('stage 1 (big)') },
    ]);
  });
});
