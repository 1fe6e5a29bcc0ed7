import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel } from './helpers/classify.js';
import { evaluateAndWait } from './helpers/evaluations.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import type { ResponseJson } from './helpers/response-json.js';
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
  const evaluation = await evaluateAndWait(h, modelId, version);
  expect(evaluation['status']).toBe('completed');
  return evaluation;
}

const routingOf = async (task: string) =>
  (await h.http().get(`/v1/tasks/${task}/routing`).set('authorization', auth)).body;
const latestEvent = async (task: string) =>
  (await h.http().get(`/v1/tasks/${task}/routing/history?limit=1`).set('authorization', auth)).body.data[0];

/** The policy's verdict on an evaluation: recorded just after the evaluation shows `completed`. */
async function decisionOn(task: string, evaluation: ResponseJson) {
  let decision: ResponseJson | undefined;
  await expect
    .poll(async () => {
      const history = (await h.http().get(`/v1/tasks/${task}/routing/history?limit=5`).set('authorization', auth)).body
        .data as ResponseJson[];
      decision = history.find((event) => event['numbers']?.evaluation_id === evaluation['id']);
      return decision !== undefined;
    })
    .toBe(true);
  return decision!;
}

describe('promotion without a champion', () => {
  it('does not make a model champion whose every answer was unparseable; classify does not 503', async () => {
    const version = await splitDataset(h, 'unparseable', 240);
    answers[BYO] = 'banana';
    const byo = await registerModel(h, 'unparseable', { kind: 'fine_tuned', provider: 'openai', model: BYO });
    const evaluation = await evaluate(byo, version);
    expect(evaluation['metrics']).toMatchObject({ rows: 36, failed_predictions: 36 });
    expect(evaluation['metrics'].report.macro_avg.f1_score).toBe(0);

    const decision = await decisionOn('unparseable', evaluation);
    expect((await routingOf('unparseable')).champion_id).toBeNull();
    expect(decision).toMatchObject({ action: 'no_promotion', to_model_id: byo, actor: 'policy' });
    expect(decision.reason).toMatch(
      /36 of 36 predictions failed or named no label \(100\.0 %\); the policy allows at most 5\.0 %/,
    );
    expect(decision.numbers).toMatchObject({
      failure_rate: 1,
      failed_predictions: 36,
      unknown_predictions: 0,
      evaluation_id: evaluation['id'],
    });

    // The report and the leaderboard say why the score is 0.00.
    const report = await h.http().get(`/v1/evaluations/${evaluation['id']}/report`).set('authorization', auth);
    expect(report.text).toContain(
      'no usable answer: 36 of 36 (100.0 %); failed calls 0, unparseable answers 36, unknown labels 0\n',
    );
    const board = await h
      .http()
      .get(`/v1/tasks/unparseable/leaderboard?dataset_version_id=${version}`)
      .set('authorization', auth);
    expect(board.body.entries[0]).toMatchObject({
      failed_calls: 0,
      unparseable_answers: 36,
      unknown_labels: 0,
      failure_rate: 1,
      macro_f1: 0,
    });

    // Nothing serves: a clear 409, not a 503 for every input.
    const answer = await classify(h, 'unparseable', { input: 'how to escape mount' });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('no_model_routed');
  });
});

describe('promotion against the fallback', () => {
  let version: string;
  let prompt: string;

  beforeAll(async () => {
    version = await splitDataset(h, 'byo', 240);
  });

  it('makes a task’s first prompt-only model its fallback, with an event', async () => {
    answers['gpt-4o-mini'] = 'other';
    prompt = await registerModel(h, 'byo', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4o-mini',
      name: 'prompt-only',
    });
    expect((await routingOf('byo')).fallback_id).toBe(prompt);
    expect((await h.http().get(`/v1/model-versions/${prompt}`).set('authorization', auth)).body.status).toBe(
      'fallback',
    );
    expect(await latestEvent('byo')).toMatchObject({
      action: 'set_fallback',
      from_model_id: null,
      to_model_id: prompt,
      actor: 'system',
      reason: expect.stringMatching(/no fallback/),
    });

    // A second one does not replace it.
    const second = await registerModel(h, 'byo', {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4o-mini',
      name: 'prompt-only 2',
    });
    expect((await routingOf('byo')).fallback_id).toBe(prompt);
    expect((await h.http().get(`/v1/model-versions/${second}`).set('authorization', auth)).body.status).toBe(
      'candidate',
    );

    // Evaluated, the fallback stays the fallback: it already answers while there is no champion.
    expect(await decisionOn('byo', await evaluate(prompt, version))).toMatchObject({
      action: 'no_promotion',
      to_model_id: prompt,
      reason: expect.stringMatching(/is the fallback/),
    });
    expect((await routingOf('byo')).champion_id).toBeNull();
    expect((await classify(h, 'byo', { input: 'how to escape mount' })).body.results[0]).toMatchObject({
      served_by: 'fallback',
      model_version_id: prompt,
    });
  });

  it('does not promote a better model that fails more than max_failure_rate of its answers', async () => {
    answers[`${BYO}-flaky`] = 'mostly right';
    const flaky = await registerModel(h, 'byo', { kind: 'fine_tuned', provider: 'openai', model: `${BYO}-flaky` });
    const evaluation = await evaluate(flaky, version);
    expect(evaluation['metrics'].failed_predictions).toBeGreaterThanOrEqual(3);
    const decision = await decisionOn('byo', evaluation);
    expect((await routingOf('byo')).champion_id).toBeNull();
    expect(decision).toMatchObject({ action: 'no_promotion', to_model_id: flaky });
    expect(decision.reason).toMatch(
      /^\d+ of 36 predictions failed or named no label \(\d+\.\d %\); the policy allows at most 5\.0 %$/,
    );
    expect(decision.numbers).toMatchObject({
      compared_with: 'fallback',
      compared_model_id: prompt,
      failed_predictions: evaluation['metrics'].failed_predictions,
    });
    expect(decision.numbers.failure_rate).toBeCloseTo(evaluation['metrics'].failed_predictions / 36, 12);
    const board = await h
      .http()
      .get(`/v1/tasks/byo/leaderboard?dataset_version_id=${version}`)
      .set('authorization', auth);
    const entry = board.body.entries.find((e: { model: { id: string } }) => e.model.id === flaky);
    expect(entry).toMatchObject({ failed_calls: 0, unparseable_answers: evaluation['metrics'].failed_predictions });
  });

  it('validates max_failure_rate and max_p_value', async () => {
    expect((await routingOf('byo')).policy).toMatchObject({ max_failure_rate: 0.05, max_p_value: null });
    for (const [body, field] of [
      [{ max_failure_rate: 1.5 }, 'body.max_failure_rate'],
      [{ max_failure_rate: -0.1 }, 'body.max_failure_rate'],
      [{ max_p_value: 0 }, 'body.max_p_value'],
      [{ max_p_value: 2 }, 'body.max_p_value'],
    ] as const) {
      const response = await h.http().patch('/v1/tasks/byo/routing').set('authorization', auth).send(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await routingOf('byo')).policy).toMatchObject({ max_failure_rate: 0.05, max_p_value: null });
  });

  it('with max_p_value, promotes over the fallback only when McNemar says the difference is not chance', async () => {
    answers[`${BYO}-good`] = 'right';
    const good = await registerModel(h, 'byo', { kind: 'fine_tuned', provider: 'openai', model: `${BYO}-good` });
    // The fallback gets the 18 "other" rows right, the good model all 36: p = 2 · ½^18 ≈ 7.6e-6.
    await h.http().patch('/v1/tasks/byo/routing').set('authorization', auth).send({ max_p_value: 1e-6 }).expect(200);
    const refused = await decisionOn('byo', await evaluate(good, version));
    expect(refused).toMatchObject({
      action: 'no_promotion',
      to_model_id: good,
      reason: expect.stringMatching(/^McNemar against the fallback: p = 7\.63e-6 > 0\.000001/),
    });
    expect(refused.numbers).toMatchObject({
      compared_with: 'fallback',
      compared_model_id: prompt,
      only_challenger_right: 18,
      only_compared_right: 0,
    });
    expect(refused.numbers.p_value).toBeCloseTo(2 * 0.5 ** 18, 15);
    expect((await routingOf('byo')).champion_id).toBeNull();

    const patched = await h
      .http()
      .patch('/v1/tasks/byo/routing')
      .set('authorization', auth)
      .send({ max_p_value: 0.01, max_failure_rate: 0.02 });
    expect(patched.body.policy).toMatchObject({ max_p_value: 0.01, max_failure_rate: 0.02 });
    const evaluation = await evaluate(good, version);
    const promoted = await decisionOn('byo', evaluation);
    expect(promoted).toMatchObject({ action: 'auto_promote', from_model_id: null, to_model_id: good, actor: 'policy' });
    expect(promoted.numbers).toMatchObject({
      compared_with: 'fallback',
      compared_model_id: prompt,
      failure_rate: 0,
      evaluation_id: evaluation['id'],
      compared_score: expect.any(Number),
    });
    expect(promoted.numbers.p_value).toBeLessThanOrEqual(0.01);
    expect(promoted.reason).toMatch(/beats fallback .* McNemar p = 7\.63e-6 ≤ 0\.01$/);

    const routing = await routingOf('byo');
    expect(routing).toMatchObject({ champion_id: good, fallback_id: prompt });
    // Every API instance reloads the route when it hears of the change.
    await expect
      .poll(async () => (await classify(h, 'byo', { input: 'how to escape mount' })).body.results[0].served_by)
      .toBe('champion');
    expect((await classify(h, 'byo', { input: 'how to escape mount' })).body.results[0]).toMatchObject({
      served_by: 'champion',
      model_version_id: good,
      label: 'instructional',
    });
  });
});
