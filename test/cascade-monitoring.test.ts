import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { registerModel } from './helpers/classify.js';
import { cascadeOf, seedCascadePredictions, seedCompletedEvaluation } from './helpers/cascade-seeds.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { splitDataset, TITLE_LABELS } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let task: { id: string; slug: string };
let local: string;
let llm: string;
let unmeasured: string;
const auth = bearer(ADMIN_KEY);
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  const version = await splitDataset(h, 'titles', 20);
  task = (await h.http().get('/v1/tasks/titles').set('authorization', auth)).body;
  local = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'local' });
  llm = await registerModel(h, 'titles', { kind: 'prompt', provider: 'openai', model: 'gpt-4o-mini', name: 'llm' });
  unmeasured = await registerModel(h, 'titles', { kind: 'prompt', provider: 'openai', model: 'gpt-4o', name: 'big' });
  // The LLM's latest completed evaluation measured 120 input and 2 output tokens per call: at
  // gpt-4o-mini's 0.15 / 0.60 USD per 1M, (120 × 0.15 + 2 × 0.60) / 1M = 0.0000192 USD a call.
  await seedCompletedEvaluation(
    h,
    { taskId: task.id, modelVersionId: llm, model: 'gpt-4o-mini', datasetVersionId: version, labels: TITLE_LABELS },
    Array.from({ length: 4 }, () => ({ trueLabel: 'other', predicted: 'other', inputTokens: 120, outputTokens: 2 })),
  );
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const feedback = (id: string, label: string) =>
  h.http().post(`/v1/predictions/${id}/feedback`).set('authorization', auth).send({ label }).expect(200);

describe('monitoring a cascade', () => {
  it('gives each stage its reach, escalation rate, answered share and live accuracy, and the cost served', async () => {
    const cascade = await cascadeOf(
      h,
      task,
      [
        { modelVersionId: local, minConfidence: 0.9 },
        { modelVersionId: llm, minConfidence: null },
      ],
      0.5,
    );
    const passed = (confidence: number) => [{ stage: 0, confidence }];
    // 10 predictions in the window: 6 answered by the local stage, 3 by the LLM, 1 abstained.
    const atLocal = await seedCascadePredictions(h, task.id, [
      ...['instructional', 'instructional', 'instructional', 'instructional', 'other', 'other'].map((label) => ({
        cascadeId: cascade,
        stage: 0,
        modelVersionId: local,
        label,
      })),
    ]);
    const atLlm = await seedCascadePredictions(
      h,
      task.id,
      ['other', 'other', 'instructional'].map((label, i) => ({
        cascadeId: cascade,
        stage: 1,
        modelVersionId: llm,
        label,
        escalated: passed(0.5 + i / 10),
      })),
    );
    const [abstention] = await seedCascadePredictions(h, task.id, [
      {
        cascadeId: cascade,
        stage: null,
        modelVersionId: llm,
        label: null,
        abstained: true,
        escalated: [
          { stage: 0, confidence: 0.55 },
          { stage: 1, confidence: 0.4 },
        ],
      },
    ]);
    // Outside the window: not counted.
    await seedCascadePredictions(h, task.id, [
      {
        cascadeId: cascade,
        stage: 1,
        modelVersionId: llm,
        label: 'other',
        escalated: passed(0.2),
        createdAt: minutesAgo(180),
      },
    ]);
    // A single model's predictions in the window are no cascade's.
    await seedCascadePredictions(h, task.id, [
      { cascadeId: null, stage: null, modelVersionId: local, label: 'other' },
      { cascadeId: null, stage: null, modelVersionId: local, label: 'other' },
    ]);
    // Feedback: the local stage 3 right of 4, the LLM 2 right of 2, and the abstention decided by a person.
    await feedback(atLocal[0]!, 'instructional');
    await feedback(atLocal[1]!, 'instructional');
    await feedback(atLocal[4]!, 'other');
    await feedback(atLocal[5]!, 'instructional');
    await feedback(atLlm[0]!, 'other');
    await feedback(atLlm[2]!, 'instructional');
    await feedback(abstention!, 'other');

    const response = await h
      .http()
      .get(`/v1/tasks/titles/monitoring?since=${minutesAgo(60).toISOString()}&until=${new Date().toISOString()}`)
      .set('authorization', auth);
    expect(response.status).toBe(200);
    // The task's figures are what they always were: every prediction of the window.
    expect(response.body.totals).toMatchObject({ predictions: 12, feedback: 6, correct: 5 });
    expect(response.body.cascades).toHaveLength(1);
    const [served] = response.body.cascades;
    expect(served).toMatchObject({
      cascade_model_version_id: cascade,
      predictions: 10,
      abstained: 1,
      abstained_rate: 0.1,
    });
    expect(served.stages).toEqual([
      {
        stage: 0,
        model_version_id: local,
        reached: 10,
        answered: 6,
        escalated: 4,
        escalation_rate: 0.4,
        answered_share: 0.6,
        feedback_count: 4,
        live_accuracy: 0.75,
        per_call_usd: 0,
      },
      {
        stage: 1,
        model_version_id: llm,
        reached: 4,
        answered: 3,
        // The abstention passed the last stage over: to a person.
        escalated: 1,
        escalation_rate: 0.25,
        answered_share: 0.3,
        feedback_count: 2,
        live_accuracy: 1,
        per_call_usd: expect.closeTo(0.0000192, 15),
      },
    ]);
    // The local stage is free; the LLM is paid on the 4 of 10 predictions that reached it:
    // 4 × 0.0000192 / 10 × 1000 = 0.00768 USD per 1,000.
    expect(served.cost_per_1000_served).toBeCloseTo(0.00768, 12);
  });

  it('lists each cascade that served; live accuracy is null without feedback, the cost null with an unpriced stage', async () => {
    const other = await cascadeOf(h, task, [
      { modelVersionId: local, minConfidence: 0.8 },
      { modelVersionId: unmeasured, minConfidence: null },
    ]);
    await seedCascadePredictions(h, task.id, [
      { cascadeId: other, stage: 0, modelVersionId: local, label: 'other' },
      {
        cascadeId: other,
        stage: 1,
        modelVersionId: unmeasured,
        label: 'other',
        escalated: [{ stage: 0, confidence: 0.3 }],
      },
    ]);
    const response = await h.http().get('/v1/tasks/titles/monitoring').set('authorization', auth);
    expect(response.body.cascades).toHaveLength(2);
    const served = response.body.cascades.find(
      (entry: { cascade_model_version_id: string }) => entry.cascade_model_version_id === other,
    );
    expect(served).toMatchObject({ predictions: 2, abstained: 0, abstained_rate: 0, cost_per_1000_served: null });
    expect(served.stages).toMatchObject([
      {
        stage: 0,
        reached: 2,
        answered: 1,
        escalation_rate: 0.5,
        feedback_count: 0,
        live_accuracy: null,
        per_call_usd: 0,
      },
      {
        stage: 1,
        model_version_id: unmeasured,
        reached: 1,
        answered: 1,
        escalated: 0,
        escalation_rate: 0,
        per_call_usd: null,
      },
    ]);
  });

  it('has no cascades in a window none served', async () => {
    const response = await h
      .http()
      .get(`/v1/tasks/titles/monitoring?since=${minutesAgo(600).toISOString()}&until=${minutesAgo(300).toISOString()}`)
      .set('authorization', auth);
    expect(response.status).toBe(200);
    expect(response.body.cascades).toEqual([]);
  });
});
