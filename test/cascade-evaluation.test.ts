import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import {
  BIG_COST,
  BIG_MODEL,
  CHEAP_COST,
  CHEAP_MODEL,
  type CascadeTask,
  cascadeTask,
  evaluateOn,
  mcnemarP,
  PROMPT_TOKENS,
  rowNumbersOf,
  scoresOf,
  scripted,
  truthOf,
} from './helpers/cascades.js';
import { registerModel } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let t: CascadeTask;
let taskId: string;
const auth = bearer(ADMIN_KEY);
const SLUG = 'cascade-eval';
const THRESHOLD = 0.9;

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  workers = await startWorkers(h, ['evaluation'], 4);
  t = await cascadeTask(h, fake, SLUG);
  taskId = (await h.http().get(`/v1/tasks/${SLUG}`).set('authorization', auth)).body.id;
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const cascadeOf = (
  stages: { modelVersionId: string; minConfidence: number | null }[],
  abstainBelow: number | null = null,
) =>
  h.runtime.services.cascades.findOrCreate(
    { id: taskId, slug: SLUG },
    { stages, abstainBelow },
    { stages: 'cascade', abstainBelow: 'abstain_below' },
  );

const createEvaluation = (modelId: string, split = 'test') =>
  h
    .http()
    .post('/v1/evaluations')
    .set('authorization', auth)
    .send({ model_version_id: modelId, dataset_version_id: t.version, split });

const chatCalls = () => fake.requests.filter((request) => request.path.endsWith('/chat/completions')).length;

/** The cascade cheap ≥ 0.9 → big, on the test rows, worked out from the scripts. */
async function expectedOnTest() {
  const numbers = await rowNumbersOf(h, t.evaluations.test.cheap['id']);
  const rows = numbers.map((i) => {
    const cheap = scripted(CHEAP_MODEL, i);
    const escalated = cheap.confidence < THRESHOLD;
    const answer = escalated ? scripted(BIG_MODEL, i) : cheap;
    return { i, truth: truthOf(i), predicted: answer.label, escalated };
  });
  const escalated = rows.filter((row) => row.escalated).length;
  return { rows, escalated, cost: rows.length * CHEAP_COST + escalated * BIG_COST };
}

describe('a cascade’s evaluation', () => {
  let cascadeId: string;
  let evaluationId: string;

  it('is computed at once from its stages’ stored predictions: exact metrics, cost, latency and stage shares', async () => {
    // The stages' own figures, as the scripts make them: the premise of every number below.
    expect(t.evaluations.test.cheap['metrics'].usage.cost_per_1000).toBeCloseTo(CHEAP_COST * 1000, 12);
    expect(t.evaluations.test.big['metrics'].usage.cost_per_1000).toBeCloseTo(BIG_COST * 1000, 12);

    const cascade = await cascadeOf([
      { modelVersionId: t.cheap, minConfidence: THRESHOLD },
      { modelVersionId: t.big, minConfidence: null },
    ]);
    cascadeId = cascade.id;
    const calls = chatCalls();
    const created = await createEvaluation(cascadeId);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    // No model was called, and nothing waits on a queue: it is complete in the answer.
    expect(chatCalls()).toBe(calls);
    expect(created.body).toMatchObject({ status: 'completed', total: 30, split: 'test', model_version_id: cascadeId });
    evaluationId = created.body.id;
    const evaluation = (await h.http().get(`/v1/evaluations/${evaluationId}`).set('authorization', auth)).body;
    expect(evaluation).toMatchObject({ status: 'completed', answered: 30 });

    const expected = await expectedOnTest();
    const scores = scoresOf(expected.rows);
    const { metrics } = evaluation;
    expect(metrics.rows).toBe(30);
    expect(metrics.report.accuracy).toBeCloseTo(scores.accuracy, 12);
    expect(metrics.report.macro_avg.f1_score).toBeCloseTo(scores.macroF1, 12);
    expect(metrics.usage.cost_usd).toBeCloseTo(expected.cost, 12);
    expect(metrics.usage.cost_per_1000).toBeCloseTo((expected.cost / 30) * 1000, 12);
    expect(metrics.usage.input_tokens).toBe((30 + expected.escalated) * PROMPT_TOKENS);
    expect(metrics.failed_predictions).toBe(0);
    expect(expected.escalated).toBeGreaterThan(0);
    expect(expected.escalated).toBeLessThan(30);

    const cheapRows = expected.rows.filter((row) => !row.escalated);
    const bigRows = expected.rows.filter((row) => row.escalated);
    expect(evaluation.stages).toEqual([
      {
        stage: 0,
        model_version_id: t.cheap,
        rows: cheapRows.length,
        share: cheapRows.length / 30,
        accuracy: expect.closeTo(scoresOf(cheapRows).accuracy, 12),
        macro_f1: expect.closeTo(scoresOf(cheapRows).macroF1, 12),
      },
      {
        stage: 1,
        model_version_id: t.big,
        rows: bigRows.length,
        share: bigRows.length / 30,
        accuracy: expect.closeTo(scoresOf(bigRows).accuracy, 12),
        macro_f1: expect.closeTo(scoresOf(bigRows).macroF1, 12),
      },
    ]);

    // Per row: the answering stage, and the latency of every stage the row went through.
    const rows = await h.runtime.database.pool.query(
      `SELECT c.seq, c.stage, c.predicted, c.latency_ms, s0.latency_ms AS l0, s1.latency_ms AS l1
         FROM evaluation_predictions c
         JOIN evaluation_predictions s0 ON s0.evaluation_id = $2 AND s0.seq = c.seq
         JOIN evaluation_predictions s1 ON s1.evaluation_id = $3 AND s1.seq = c.seq
        WHERE c.evaluation_id = $1 ORDER BY c.seq`,
      [evaluationId, t.evaluations.test.cheap['id'], t.evaluations.test.big['id']],
    );
    expect(rows.rows).toHaveLength(30);
    rows.rows.forEach((row, seq) => {
      const want = expected.rows[seq]!;
      expect(row.stage).toBe(want.escalated ? 1 : 0);
      expect(row.predicted).toBe(want.predicted);
      expect(row.latency_ms).toBe(want.escalated ? row.l0 + row.l1 : row.l0);
    });
  });

  it('refuses a cascade whose stage has no completed evaluation on the split, naming the stage', async () => {
    const unevaluated = await registerModel(h, SLUG, { kind: 'prompt', provider: 'openai', model: 'gpt-4.1-mini' });
    const cascade = await cascadeOf([
      { modelVersionId: t.cheap, minConfidence: 0.5 },
      { modelVersionId: unevaluated, minConfidence: null },
    ]);
    const response = await createEvaluation(cascade.id);
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('conflict');
    expect(response.body.detail).toContain(
      `stage 1 (model version ${unevaluated}) has no completed evaluation on the test split`,
    );
    expect(response.body.details).toEqual({
      missing: [{ stage: 1, model_version_id: unevaluated }],
      dataset_version_id: t.version,
      split: 'test',
    });
    // The train split: no stage has one there.
    const train = await createEvaluation(cascadeId, 'train');
    expect(train.status).toBe(409);
    expect(train.body.details.missing).toEqual([
      { stage: 0, model_version_id: t.cheap },
      { stage: 1, model_version_id: t.big },
    ]);
  });

  it('refuses stage evaluations that scored different rows', async () => {
    // A newer evaluation of the big model whose row 3 is another example (as when the task's
    // labels changed between two evaluations of one version).
    const newer = await evaluateOn(h, t.big, t.version, 'test');
    const pool = h.runtime.database.pool;
    await pool.query(`UPDATE evaluation_items SET example_id = 'another' WHERE evaluation_id = $1 AND seq = 3`, [
      newer['id'],
    ]);
    const response = await createEvaluation(cascadeId);
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('conflict');
    expect(response.body.detail).toContain(`Stage 1 (model version ${t.big}) was evaluated on other rows`);
    expect(response.body.details).toMatchObject({ index: 1, evaluation_id: newer['id'], seq: 3 });
    // Nothing was written.
    const written = await pool.query('SELECT count(*)::int AS n FROM evaluations WHERE model_version_id = $1', [
      cascadeId,
    ]);
    expect(written.rows[0].n).toBe(1);
    await pool.query(
      `UPDATE evaluation_items i SET example_id = o.example_id FROM evaluation_items o
        WHERE i.evaluation_id = $1 AND i.seq = 3 AND o.evaluation_id = $2 AND o.seq = 3`,
      [newer['id'], t.evaluations.test.big['id']],
    );
  });

  it('is on the leaderboard with its cost per 1,000 and an exact McNemar test against the champion', async () => {
    await h
      .http()
      .post(`/v1/tasks/${SLUG}/routing/promote`)
      .set('authorization', auth)
      .send({ model_version_id: t.big })
      .expect(200);
    const board = await h
      .http()
      .get(`/v1/tasks/${SLUG}/leaderboard?dataset_version_id=${t.version}&split=test`)
      .set('authorization', auth);
    expect(board.status).toBe(200);
    const entry = board.body.entries.find((e: { model: { id: string } }) => e.model.id === cascadeId);
    const expected = await expectedOnTest();
    expect(entry.model.kind).toBe('cascade');
    expect(entry.cost_per_1000).toBeCloseTo((expected.cost / 30) * 1000, 12);
    expect(entry.stages.map((stage: { model_version_id: string }) => stage.model_version_id)).toEqual([t.cheap, t.big]);
    // Against the big model's answers on the same rows.
    const onlyCascade = expected.rows.filter(
      (row) => row.predicted === row.truth && scripted(BIG_MODEL, row.i).label !== row.truth,
    ).length;
    const onlyBig = expected.rows.filter(
      (row) => row.predicted !== row.truth && scripted(BIG_MODEL, row.i).label === row.truth,
    ).length;
    expect(onlyCascade).toBeGreaterThan(0);
    expect(entry.versus_champion).toEqual({
      only_this_right: onlyCascade,
      only_champion_right: onlyBig,
      p_value: expect.closeTo(mcnemarP(onlyCascade, onlyBig), 12),
    });
    const championEntry = board.body.entries.find((e: { model: { id: string } }) => e.model.id === t.big);
    expect(championEntry.versus_champion).toBeNull();
    expect(championEntry.stages).toBeNull();
  });

  it('is promoted by the policy when it beats the champion, and the history says it is a cascade', async () => {
    await h
      .http()
      .patch(`/v1/tasks/${SLUG}/routing`)
      .set('authorization', auth)
      .send({ auto_promote: true, min_test_size: 30, min_improvement: 0.01, max_p_value: null })
      .expect(200);
    // Another definition (a new version, so a new evaluation) that serves alike.
    const cascade = await cascadeOf([
      { modelVersionId: t.cheap, minConfidence: 0.7 },
      { modelVersionId: t.big, minConfidence: null },
    ]);
    const created = await createEvaluation(cascade.id);
    expect(created.status).toBe(202);
    const routing = (await h.http().get(`/v1/tasks/${SLUG}/routing`).set('authorization', auth)).body;
    expect(routing.champion_id).toBe(cascade.id);
    const history = (await h.http().get(`/v1/tasks/${SLUG}/routing/history?limit=1`).set('authorization', auth)).body;
    expect(history.data[0]).toMatchObject({
      action: 'auto_promote',
      from_model_id: t.big,
      to_model_id: cascade.id,
      actor: 'policy',
      numbers: {
        evaluation_id: created.body.id,
        compared_with: 'champion',
        compared_model_id: t.big,
        kind: 'cascade',
        stages: [
          { stage: 0, model_version_id: t.cheap, min_confidence: 0.7, share: created.body.stages[0].share },
          { stage: 1, model_version_id: t.big, min_confidence: null, share: created.body.stages[1].share },
        ],
        abstain_below: null,
      },
    });
    expect(history.data[0].numbers.improvement).toBeGreaterThanOrEqual(0.01);
  });
});
