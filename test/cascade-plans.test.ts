import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import {
  BIG_COST,
  BIG_MODEL,
  CHEAP_COST,
  CHEAP_MODEL,
  type CascadeTask,
  cascadeTask,
  rowNumbersOf,
  scoresOf,
  scripted,
  truthOf,
} from './helpers/cascades.js';
import { registerModel } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import type { ResponseJson } from './helpers/response-json.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let t: CascadeTask;
const auth = bearer(ADMIN_KEY);
const SLUG = 'cascade-plans';
let numbers: Record<'validation' | 'test', number[]>;

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  workers = await startWorkers(h, ['evaluation'], 4);
  t = await cascadeTask(h, fake, SLUG);
  numbers = {
    validation: await rowNumbersOf(h, t.evaluations.validation.cheap['id']),
    test: await rowNumbersOf(h, t.evaluations.test.cheap['id']),
  };
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const createPlan = (body: Record<string, unknown>) =>
  h
    .http()
    .post(`/v1/tasks/${SLUG}/cascade-plans`)
    .set('authorization', auth)
    .send({ model_version_ids: [t.cheap, t.big], dataset_version_id: t.version, ...body });

/**
 * The point cheap ≥ threshold → big on a split's rows, worked out from the scripts: the cheap
 * model answers when its confidence reaches the threshold, else the big one does and both are paid.
 */
function expectedPoint(split: 'validation' | 'test', threshold: number) {
  const rows = numbers[split].map((i) => {
    const cheap = scripted(CHEAP_MODEL, i);
    const stage = cheap.confidence >= threshold ? 0 : 1;
    return { truth: truthOf(i), predicted: (stage === 0 ? cheap : scripted(BIG_MODEL, i)).label, stage };
  });
  const n = rows.length;
  const escalated = rows.filter((row) => row.stage === 1).length;
  const overall = scoresOf(rows);
  const stages = [0, 1].map((stage) => {
    const own = rows.filter((row) => row.stage === stage);
    const scores = own.length === 0 ? null : scoresOf(own);
    return {
      stage,
      model_version_id: stage === 0 ? t.cheap : t.big,
      rows: own.length,
      share: own.length / n,
      accuracy: scores ? expect.closeTo(scores.accuracy, 12) : null,
      macro_f1: scores ? expect.closeTo(scores.macroF1, 12) : null,
    };
  });
  return {
    macroF1: overall.macroF1,
    point: {
      thresholds: [threshold],
      rows: n,
      shares: [(n - escalated) / n, escalated / n],
      abstained_share: 0,
      accuracy: expect.closeTo(overall.accuracy, 12),
      macro_f1: expect.closeTo(overall.macroF1, 12),
      stages,
      cost_per_1000: expect.closeTo(((n * CHEAP_COST + escalated * BIG_COST) / n) * 1000, 12),
      latency_ms: { p50: expect.any(Number), p95: expect.any(Number) },
    },
  };
}

/** A single model on a split, from the scripts. */
const singleMacroF1 = (model: string, split: 'validation' | 'test') =>
  scoresOf(numbers[split].map((i) => ({ truth: truthOf(i), predicted: scripted(model, i).label }))).macroF1;

describe('cascade plans', () => {
  let plan: ResponseJson;

  it('searches the thresholds on validation, gives the exact frontier and reports the choice on test', async () => {
    const sure = expectedPoint('validation', 0.95);
    // The premise: escalating the unsure rows beats the cheap model alone on validation.
    expect(sure.macroF1).toBeGreaterThan(expectedPoint('validation', 0).macroF1);
    const calls = fake.requests.length;
    const created = await createPlan({ target: { metric_at_least: sure.macroF1 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // Stored predictions only: no model was called.
    expect(fake.requests.length).toBe(calls);
    plan = created.body;
    expect(created.headers['location']).toBe(`/v1/cascade-plans/${plan['id']}`);
    expect(plan).toMatchObject({
      choose_on: 'validation',
      report_on: 'test',
      metric: 'macro_f1',
      thresholds: [0.95],
      reason: expect.stringContaining('Cheapest thresholds with macro-F1 ≥'),
      cascade_model_version_id: null,
    });
    // Candidates are the observed confidences (0.6, 0.95) plus 0 and 1. 0.6 does what 0 does and
    // 1 (the big model always) costs more for less, so two points are left.
    expect(plan['searched']).toEqual({ candidates: [[0, 0.6, 0.95, 1]], combinations: 4 });
    expect(plan['frontier']).toEqual([expectedPoint('validation', 0).point, sure.point]);
    expect(plan['chosen']).toEqual(sure.point);
    expect(plan['report']).toEqual(expectedPoint('test', 0.95).point);
    expect(plan['singles']).toEqual([
      {
        model_version_id: t.cheap,
        choose: expect.objectContaining({
          evaluation_id: t.evaluations.validation.cheap['id'],
          metric: expect.closeTo(singleMacroF1(CHEAP_MODEL, 'validation'), 12),
          cost_per_1000: expect.closeTo(CHEAP_COST * 1000, 12),
        }),
        report: expect.objectContaining({
          evaluation_id: t.evaluations.test.cheap['id'],
          metric: expect.closeTo(singleMacroF1(CHEAP_MODEL, 'test'), 12),
          cost_per_1000: expect.closeTo(CHEAP_COST * 1000, 12),
        }),
      },
      {
        model_version_id: t.big,
        choose: expect.objectContaining({
          evaluation_id: t.evaluations.validation.big['id'],
          metric: expect.closeTo(singleMacroF1(BIG_MODEL, 'validation'), 12),
          cost_per_1000: expect.closeTo(BIG_COST * 1000, 12),
        }),
        report: expect.objectContaining({
          evaluation_id: t.evaluations.test.big['id'],
          metric: expect.closeTo(singleMacroF1(BIG_MODEL, 'test'), 12),
          cost_per_1000: expect.closeTo(BIG_COST * 1000, 12),
        }),
      },
    ]);
    const point = plan['report'].latency_ms;
    expect(point.p50).toBeLessThanOrEqual(point.p95);

    const got = await h.http().get(`/v1/cascade-plans/${plan['id']}`).set('authorization', auth);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(plan);
  });

  it('meets a cost ceiling or a margin to the best single model', async () => {
    const cheapOnly = await createPlan({ target: { max_cost_per_1000: CHEAP_COST * 1000 } });
    expect(cheapOnly.status).toBe(201);
    expect(cheapOnly.body.thresholds).toEqual([0]);
    expect(cheapOnly.body.reason).toContain('Best macro-F1 at no more than');
    expect(cheapOnly.body.report).toEqual(expectedPoint('test', 0).point);

    const best = Math.max(singleMacroF1(CHEAP_MODEL, 'validation'), singleMacroF1(BIG_MODEL, 'validation'));
    const within = await createPlan({ target: { within_best: 0.005 } });
    expect(within.status).toBe(201);
    expect(within.body.resolved_target).toEqual({
      kind: 'min_metric',
      metric: 'macro_f1',
      value: expect.closeTo(best - 0.005, 12),
    });
    const cheapest = [0, 0.95].find((threshold) => expectedPoint('validation', threshold).macroF1 >= best - 0.005);
    expect(within.body.thresholds).toEqual([cheapest]);

    const tooCheap = await createPlan({ target: { max_cost_per_1000: CHEAP_COST * 100 } });
    expect(tooCheap.status).toBe(201);
    expect(tooCheap.body).toMatchObject({ thresholds: null, chosen: null, report: null });
    expect(tooCheap.body.reason).toContain('No thresholds cost at most');
    const refused = await h.http().post(`/v1/cascade-plans/${tooCheap.body.id}/apply`).set('authorization', auth);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conflict');

    const list = await h.http().get(`/v1/tasks/${SLUG}/cascade-plans?limit=2`).set('authorization', auth);
    expect(list.status).toBe(200);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([tooCheap.body.id, within.body.id]);
    const next = await h
      .http()
      .get(`/v1/tasks/${SLUG}/cascade-plans?limit=2&cursor=${list.body.next_cursor}`)
      .set('authorization', auth);
    expect(next.body.data.map((p: { id: string }) => p.id)).toEqual([cheapOnly.body.id, plan['id']]);
  });

  it('may end in abstain: the big model’s answers below abstain_below are withheld, and paid for', async () => {
    // The big model is always 0.9 sure: below 0.95, every escalated row abstains.
    const created = await createPlan({ target: { metric_at_least: 1 }, abstain_below: 0.95 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rows = numbers.validation.map((i) => ({ i, escalated: scripted(CHEAP_MODEL, i).confidence < 0.95 }));
    const n = rows.length;
    const abstained = rows.filter((row) => row.escalated).length;
    expect(created.body).toMatchObject({ thresholds: [0.95], abstain_below: 0.95 });
    expect(created.body.chosen).toMatchObject({
      shares: [(n - abstained) / n, 0],
      abstained_share: abstained / n,
      // The cheap model is right on every row it is sure of.
      accuracy: 1,
      macro_f1: 1,
      cost_per_1000: expect.closeTo(((n * CHEAP_COST + abstained * BIG_COST) / n) * 1000, 12),
    });
    expect(created.body.chosen.stages[1]).toMatchObject({ rows: 0, accuracy: null, macro_f1: null });
  });

  it('refuses bad requests with the field of each problem', async () => {
    const same = await createPlan({ choose_on: 'test', report_on: 'test', target: { within_best: 0.01 } });
    expect(same.status).toBe(400);
    expect(same.body.errors).toEqual([{ field: 'body.report_on', message: expect.stringContaining('must differ') }]);

    const two = await createPlan({ target: { within_best: 0.01, max_cost_per_1000: 1 } });
    expect(two.status).toBe(400);
    expect(two.body.errors).toEqual([{ field: 'body.target', message: expect.stringContaining('exactly one') }]);

    const duplicate = await createPlan({ model_version_ids: [t.cheap, t.cheap], target: { within_best: 0.01 } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.errors).toEqual([
      { field: 'body.model_version_ids[1]', message: 'the same model as model_version_ids[0]' },
    ]);

    const cascade = await h.runtime.services.cascades.findOrCreate(
      { id: plan['task_id'], slug: SLUG },
      {
        stages: [
          { modelVersionId: t.cheap, minConfidence: 0.5 },
          { modelVersionId: t.big, minConfidence: null },
        ],
        abstainBelow: null,
      },
      { stages: 'cascade', abstainBelow: 'abstain_below' },
    );
    const nested = await createPlan({ model_version_ids: [cascade.id, t.big], target: { within_best: 0.01 } });
    expect(nested.status).toBe(400);
    expect(nested.body.errors).toEqual([
      { field: 'body.model_version_ids[0]', message: 'a cascade cannot be a stage of a cascade' },
    ]);

    const one = await createPlan({ model_version_ids: [t.cheap], target: { within_best: 0.01 } });
    expect(one.status).toBe(400);
    expect(one.body.errors[0].field).toBe('body.model_version_ids');
  });

  it('needs every candidate evaluated on both splits: a 409 naming the model and the split', async () => {
    const unevaluated = await registerModel(h, SLUG, { kind: 'prompt', provider: 'openai', model: 'gpt-4.1-mini' });
    const response = await createPlan({ model_version_ids: [t.cheap, unevaluated], target: { within_best: 0.01 } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('conflict');
    expect(response.body.detail).toContain(`model_version_ids[1] (model version ${unevaluated}) on validation`);
    expect(response.body.details.missing).toEqual([
      { index: 1, model_version_id: unevaluated, split: 'validation' },
      { index: 1, model_version_id: unevaluated, split: 'test' },
    ]);
  });

  it('is applied in one call: the cascade is evaluated on test and becomes champion; again changes nothing', async () => {
    const applied = await h.http().post(`/v1/cascade-plans/${plan['id']}/apply`).set('authorization', auth);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const cascadeId = applied.body.cascade_model_version_id;
    expect(applied.body).toMatchObject({
      applied_now: true,
      model_version: { id: cascadeId, kind: 'cascade' },
      cascade: {
        stages: [
          { model_version_id: t.cheap, min_confidence: 0.95 },
          { model_version_id: t.big, min_confidence: null },
        ],
        abstain_below: null,
      },
      plan: { id: plan['id'], cascade_model_version_id: cascadeId },
    });
    // The cascade's own evaluation on the report split gives the plan's report figures.
    const evaluation = (await h.http().get(`/v1/evaluations/${applied.body.evaluation_id}`).set('authorization', auth))
      .body;
    expect(evaluation).toMatchObject({ status: 'completed', split: 'test', model_version_id: cascadeId });
    expect(evaluation.metrics.report.macro_avg.f1_score).toBeCloseTo(plan['report'].macro_f1, 12);
    expect(evaluation.metrics.usage.cost_per_1000).toBeCloseTo(plan['report'].cost_per_1000, 12);
    expect(evaluation.stages.map((stage: { share: number }) => stage.share)).toEqual(plan['report'].shares);

    const routing = (await h.http().get(`/v1/tasks/${SLUG}/routing`).set('authorization', auth)).body;
    expect(routing.champion_id).toBe(cascadeId);
    const history = (await h.http().get(`/v1/tasks/${SLUG}/routing/history?limit=5`).set('authorization', auth)).body;
    expect(history.data[0]).toMatchObject({
      action: 'promote',
      to_model_id: cascadeId,
      reason: `cascade plan ${plan['id']} applied`,
      numbers: {
        evaluation_id: applied.body.evaluation_id,
        kind: 'cascade',
        stages: [
          { stage: 0, model_version_id: t.cheap, min_confidence: 0.95, share: plan['report'].shares[0] },
          { stage: 1, model_version_id: t.big, min_confidence: null, share: plan['report'].shares[1] },
        ],
      },
    });

    const again = await h.http().post(`/v1/cascade-plans/${plan['id']}/apply`).set('authorization', auth);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      applied_now: false,
      cascade_model_version_id: cascadeId,
      evaluation_id: applied.body.evaluation_id,
    });
    const after = (await h.http().get(`/v1/tasks/${SLUG}/routing/history?limit=5`).set('authorization', auth)).body;
    expect(after.data.length).toBe(history.data.length);
    expect(after.data[0].id).toBe(history.data[0].id);
    const evaluations = await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n FROM evaluations WHERE model_version_id = $1',
      [cascadeId],
    );
    expect(evaluations.rows[0].n).toBe(1);
  });
});
