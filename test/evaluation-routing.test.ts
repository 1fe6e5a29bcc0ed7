import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAndWait } from './helpers/evaluations.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { splitDataset } from './helpers/training.js';

let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  h = await createHarness();
  workers = await startWorkers(h, ['evaluation'], 4);
  version = await splitDataset(h, 'titles', 200);
  // Every model must be compared on at least this many rows.
  await h
    .http()
    .patch('/v1/tasks/titles/routing')
    .set('authorization', auth)
    .send({ min_test_size: 20, min_improvement: 0.01 })
    .expect(200);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
});

async function register(body: Record<string, unknown>) {
  const response = await h.http().post('/v1/tasks/titles/model-versions').set('authorization', auth).send(body);
  expect(response.status).toBe(201);
  return response.body as { id: string };
}

const evaluate = (modelId: string) => evaluateAndWait(h, modelId, version);

describe('evaluation, leaderboard and promotion', () => {
  let weak: { id: string };
  let strong: { id: string };

  it('evaluates a prompt-only model on the test split and stores every prediction and metric', async () => {
    // Zero-shot from label names alone: the weak baseline.
    weak = await register({ kind: 'prompt', provider: 'local', name: 'zero-shot' });
    const evaluation = await evaluate(weak.id);
    expect(evaluation).toMatchObject({ status: 'completed', split: 'test', total: 30, answered: 30 });
    const metrics = evaluation['metrics'];
    expect(metrics.rows).toBe(30);
    expect(metrics.confusion_matrix.labels).toEqual(['instructional', 'other']);
    const matrix: number[][] = metrics.confusion_matrix.matrix;
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(30 - metrics.failed_predictions);
    expect(metrics.report.accuracy).toBeCloseTo((matrix[0]![0]! + matrix[1]![1]!) / 30, 12);
    expect(metrics.calibration.rows_scored).toBe(30);
    expect(metrics.usage.cost_per_1000).toBe(0);

    const predictions = await h
      .http()
      .get(`/v1/evaluations/${evaluation['id']}/predictions`)
      .set('authorization', auth);
    expect(predictions.body.data).toHaveLength(30);
    const report = await h.http().get(`/v1/evaluations/${evaluation['id']}/report`).set('authorization', auth);
    expect(report.headers['content-type']).toContain('text/plain');
    expect(report.text).toMatch(/^ +precision +recall +f1-score +support\n\n/);
    expect(report.text).toContain('    accuracy');
    expect(report.text).toContain('weighted avg');

    expect(report.text).toMatch(
      /\nno usable answer: \d+ of 30 \(\d+\.\d %\); failed calls 0, unparseable answers \d+, unknown labels 0\n/,
    );

    // The task's first prompt-only model is its fallback: it answers while there is no champion,
    // and its own evaluation does not make it champion as well.
    const routing = await h.http().get('/v1/tasks/titles/routing').set('authorization', auth);
    expect(routing.body).toMatchObject({ champion_id: null, fallback_id: weak.id });
    await expect
      .poll(
        async () =>
          (await h.http().get('/v1/tasks/titles/routing/history?limit=1').set('authorization', auth)).body.data[0],
      )
      .toMatchObject({ action: 'no_promotion', to_model_id: weak.id, numbers: { evaluation_id: evaluation['id'] } });
  });

  it('promotes a better model by the policy, and the leaderboard compares both on the same rows', async () => {
    strong = await register({
      kind: 'prompt',
      provider: 'local',
      name: 'few-shot',
      few_shot_from: { dataset_version_id: version, k: 60 },
    });
    const evaluation = await evaluate(strong.id);
    const board = await h
      .http()
      .get(`/v1/tasks/titles/leaderboard?dataset_version_id=${version}`)
      .set('authorization', auth);
    expect(board.status).toBe(200);
    expect(board.body.entries.map((entry: { model: { id: string } }) => entry.model.id)).toEqual([strong.id, weak.id]);
    expect(board.body.entries[0].macro_f1).toBeGreaterThan(board.body.entries[1].macro_f1 + 0.01);

    // With no champion yet, it had to beat the fallback on the same rows.
    await expect
      .poll(async () => (await h.http().get('/v1/tasks/titles/routing').set('authorization', auth)).body.champion_id)
      .toBe(strong.id);
    const history = await h.http().get('/v1/tasks/titles/routing/history').set('authorization', auth);
    const promotion = history.body.data.find(
      (event: { action: string; to_model_id: string }) =>
        event.action === 'auto_promote' && event.to_model_id === strong.id,
    );
    expect(promotion).toMatchObject({
      from_model_id: null,
      actor: 'policy',
      numbers: {
        metric: 'macro_f1',
        evaluation_id: evaluation['id'],
        compared_with: 'fallback',
        compared_model_id: weak.id,
        compared_score: board.body.entries[1].macro_f1,
      },
    });
    expect(promotion.numbers.improvement).toBeGreaterThanOrEqual(0.01);
    expect(board.body.entries[0]).toMatchObject({
      failed_calls: 0,
      unknown_labels: 0,
      failure_rate: expect.any(Number),
    });

    // The weaker model, compared with the new champion by McNemar.
    const boardAfter = await h
      .http()
      .get(`/v1/tasks/titles/leaderboard?dataset_version_id=${version}`)
      .set('authorization', auth);
    const versus = boardAfter.body.entries[1].versus_champion;
    expect(versus.only_champion_right).toBeGreaterThan(versus.only_this_right);
    expect(versus.p_value).toBeGreaterThan(0);
    expect(versus.p_value).toBeLessThanOrEqual(1);
  });

  it('rolls back a promotion and records why', async () => {
    // The first champion replaced none: there is nothing to put back.
    const nothing = await h
      .http()
      .post('/v1/tasks/titles/routing/rollback')
      .set('authorization', auth)
      .send({ reason: 'complaints' });
    expect(nothing.status).toBe(409);
    expect(nothing.body.code).toBe('nothing_to_roll_back');

    await h
      .http()
      .post('/v1/tasks/titles/routing/promote')
      .set('authorization', auth)
      .send({ model_version_id: weak.id, reason: 'cheaper' })
      .expect(200);
    expect((await h.http().get(`/v1/model-versions/${weak.id}`).set('authorization', auth)).body.status).toBe(
      'champion',
    );
    const rolled = await h
      .http()
      .post('/v1/tasks/titles/routing/rollback')
      .set('authorization', auth)
      .send({ reason: 'complaints' });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ champion_id: strong.id, fallback_id: weak.id });
    const history = await h.http().get('/v1/tasks/titles/routing/history?limit=1').set('authorization', auth);
    expect(history.body.data[0]).toMatchObject({
      action: 'rollback',
      from_model_id: weak.id,
      to_model_id: strong.id,
      reason: 'complaints',
    });
    expect((await h.http().get(`/v1/model-versions/${strong.id}`).set('authorization', auth)).body.status).toBe(
      'champion',
    );
    expect((await h.http().get(`/v1/model-versions/${weak.id}`).set('authorization', auth)).body.status).toBe(
      'fallback',
    );
  });

  it('never lets a retired model be champion', async () => {
    await h
      .http()
      .post(`/v1/model-versions/${strong.id}/retire`)
      .set('authorization', auth)
      .send({ reason: 'shut down' })
      .expect(200);
    const promote = await h
      .http()
      .post('/v1/tasks/titles/routing/promote')
      .set('authorization', auth)
      .send({ model_version_id: strong.id, reason: 'try' });
    expect(promote.status).toBe(409);
    expect(promote.body.code).toBe('model_retired');
    await h.http().post(`/v1/model-versions/${weak.id}/retire`).set('authorization', auth).send({}).expect(200);
    const routing = await h.http().get('/v1/tasks/titles/routing').set('authorization', auth);
    expect(routing.body.champion_id).toBeNull();
    const evaluation = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: weak.id, dataset_version_id: version });
    expect(evaluation.status).toBe(409);
  });
});
