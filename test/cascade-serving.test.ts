import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel, route } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { secondInstance } from './helpers/second-instance.js';
import { splitDataset } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let cheap: string;
let big: string;
let local: string;
let version: string;
const auth = bearer(ADMIN_KEY);
const task = 'cascaded';

/**
 * The fake's answers are steered by the input: `c=0.83` is the cheap model's probability for
 * "instructional", `d=0.6` the big model's for "other"; `broken` makes the big model answer no label.
 */
const number = (text: string, key: string) => Number(new RegExp(`${key}=([0-9.]+)`).exec(text)?.[1] ?? '0.99');

const patch = (body: Record<string, unknown>) =>
  h.http().patch(`/v1/tasks/${task}/routing`).set('authorization', auth).send(body);

const cascade = (minConfidence: number, extra: Record<string, unknown> = {}) =>
  patch({
    mode: 'cascade',
    cascade: [{ model_version_id: cheap, min_confidence: minConfidence }, { model_version_id: big }],
    ...extra,
  });

const chatCalls = (model: string, marker: string) =>
  fake.requests.filter(
    (request) =>
      request.path === '/v1/chat/completions' &&
      (request.body as { model?: string }).model === model &&
      JSON.stringify(request.body).includes(marker),
  ).length;

async function loggedPrediction(id: string) {
  await expect
    .poll(
      async () =>
        (await h.runtime.database.pool.query('SELECT count(*)::int AS n FROM predictions WHERE id = $1', [id])).rows[0]
          .n,
      { timeout: 10_000, interval: 20 },
    )
    .toBe(1);
  const { rows } = await h.runtime.database.pool.query(
    'SELECT model_version_id, served_by, label, cascade_id, stage, escalated, abstained FROM predictions WHERE id = $1',
    [id],
  );
  return rows[0];
}

beforeAll(async () => {
  fake = await startOpenAIFake();
  fake.script((input) => {
    const text = input.userText;
    if (input.model === 'gpt-4o-mini') {
      if (text.includes('garbled')) return 'no idea';
      const c = number(text, 'c');
      return { answer: 'instructional', distribution: { instructional: c, other: 1 - c } };
    }
    if (text.includes('broken')) return 'no idea';
    const d = number(text, 'd');
    return { answer: 'other', distribution: { other: d, instructional: 1 - d } };
  });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    PREDICTION_LOG_FLUSH_MS: '20',
  });
  version = await splitDataset(h, task, 40);
  cheap = await registerModel(h, task, { kind: 'prompt', provider: 'openai', model: 'gpt-4o-mini', name: 'cheap' });
  big = await registerModel(h, task, { kind: 'prompt', provider: 'openai', model: 'gpt-4o', name: 'big' });
  local = await registerModel(h, task, {
    kind: 'prompt',
    provider: 'local',
    name: 'local',
    few_shot_from: { dataset_version_id: version, k: 20 },
  });
  await route(h, task, { champion: big, fallback: local });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

describe('cascade serving', () => {
  it('answers from the first stage at or above its threshold and escalates just under it', async () => {
    // The confidence the cheap model reports for c=0.8, as classify sees it, served alone first.
    await route(h, task, { champion: cheap });
    const alone = (await classify(h, task, { input: 'c=0.8 at threshold' }).expect(200)).body.results[0];
    const c = alone.confidence as number;
    expect(c).toBeCloseTo(0.8, 3);
    expect(alone).toMatchObject({ stage: null, escalated: [], abstained: false, cascade_model_version_id: null });

    const at = await cascade(c).expect(200);
    expect(at.body).toMatchObject({
      mode: 'cascade',
      cascade: {
        stages: [
          { model_version_id: cheap, min_confidence: c },
          { model_version_id: big, min_confidence: null },
        ],
        abstain_below: null,
      },
    });
    const cascadeId = at.body.champion_id as string;
    const answered = (await classify(h, task, { input: 'c=0.8 at threshold' }).expect(200)).body.results[0];
    expect(answered).toMatchObject({
      label: 'instructional',
      model_version_id: cheap,
      served_by: 'champion',
      stage: { index: 0, model_version_id: cheap, confidence: c },
      escalated: [],
      abstained: false,
      cascade_model_version_id: cascadeId,
    });
    expect(await loggedPrediction(answered.prediction_id)).toMatchObject({
      model_version_id: cheap,
      cascade_id: cascadeId,
      stage: 0,
      escalated: [],
      abstained: false,
    });

    await cascade(c + 1e-6).expect(200);
    const under = (await classify(h, task, { input: 'c=0.8 just under d=0.9' }).expect(200)).body.results[0];
    expect(under).toMatchObject({
      label: 'other',
      model_version_id: big,
      served_by: 'champion',
      stage: { index: 1, model_version_id: big },
      escalated: [{ stage: 0, model_version_id: cheap, confidence: c }],
    });
    expect((await loggedPrediction(under.prediction_id)).escalated).toEqual([{ stage: 0, confidence: c }]);

    await cascade(c - 1e-6).expect(200);
    const above = (await classify(h, task, { input: 'c=0.8 above' }).expect(200)).body.results[0];
    expect(above).toMatchObject({ model_version_id: cheap, stage: { index: 0 } });
  });

  it('calls the second stage only for the inputs of a batch the first was unsure of', async () => {
    await cascade(0.9).expect(200);
    const marker = `batch-${Date.now()}`;
    const inputs = ['c=0.95', 'c=0.5', 'c=0.99', 'c=0.3', 'c=0.91'].map((text, i) => `${text} ${marker} ${i}`);
    const results = (await classify(h, task, { inputs }).expect(200)).body.results;
    expect(results.map((result: { stage: { index: number } }) => result.stage.index)).toEqual([0, 1, 0, 1, 0]);
    expect(chatCalls('gpt-4o-mini', marker)).toBe(5);
    expect(chatCalls('gpt-4o', marker)).toBe(2);
    const metrics = await h.http().get('/metrics').set('authorization', auth);
    expect(metrics.text).toMatch(/tuneline_cascade_escalations_total\{[^}]*task="cascaded"[^}]*stage="0"[^}]*\} [1-9]/);
  });

  it('passes an input on when an earlier stage answers no label, whatever its confidence', async () => {
    await cascade(0.1).expect(200);
    const result = (await classify(h, task, { input: 'garbled d=0.9' }).expect(200)).body.results[0];
    expect(result).toMatchObject({
      label: 'other',
      served_by: 'champion',
      model_version_id: big,
      stage: { index: 1, model_version_id: big },
      escalated: [{ stage: 0, model_version_id: cheap, confidence: null }],
    });
    expect((await loggedPrediction(result.prediction_id)).escalated).toEqual([{ stage: 0, confidence: null }]);
  });

  it('leaves an input to the fallback when the last stage fails, listing every stage as escalated', async () => {
    await cascade(0.9).expect(200);
    const result = (await classify(h, task, { input: 'c=0.2 broken how to' }).expect(200)).body.results[0];
    expect(result).toMatchObject({
      model_version_id: local,
      served_by: 'fallback',
      fallback_reason: 'unparseable_answer',
      stage: null,
      abstained: false,
      escalated: [
        { stage: 0, model_version_id: cheap },
        { stage: 1, model_version_id: big, confidence: null },
      ],
    });
    expect(result.label).toEqual(expect.any(String));
    const logged = await loggedPrediction(result.prediction_id);
    expect(logged).toMatchObject({ served_by: 'fallback', model_version_id: local, stage: null });
    expect(logged.escalated.map((e: { stage: number }) => e.stage)).toEqual([0, 1]);
  });

  it('abstains below abstain_below: label null, logged abstained', async () => {
    await cascade(0.9, { abstain_below: 0.7 }).expect(200);
    const [unsure, sure] = (await classify(h, task, { inputs: ['c=0.5 d=0.6 x', 'c=0.5 d=0.8 y'] }).expect(200)).body
      .results;
    expect(unsure).toMatchObject({
      label: null,
      abstained: true,
      stage: null,
      served_by: 'champion',
      model_version_id: big,
    });
    expect(unsure.escalated.map((e: { stage: number }) => e.stage)).toEqual([0, 1]);
    expect(sure).toMatchObject({ label: 'other', abstained: false, stage: { index: 1 } });
    expect(await loggedPrediction(unsure.prediction_id)).toMatchObject({ label: null, abstained: true, stage: null });
    await loggedPrediction(sure.prediction_id);

    // The abstention waits in the task's review queue, and in the prediction log filtered by abstained.
    const queue = async () =>
      (await h.http().get(`/v1/tasks/${task}/review-queue?limit=50`).set('authorization', auth).expect(200)).body;
    const queued = await queue();
    expect(queued.data.map((item: { id: string }) => item.id)).toContain(unsure.prediction_id);
    expect(queued.data.map((item: { id: string }) => item.id)).not.toContain(sure.prediction_id);
    expect(queued.data.find((item: { id: string }) => item.id === unsure.prediction_id)).toMatchObject({
      label: null,
      abstained: true,
      stage: null,
      model_version_id: big,
      cascade_model_version_id: unsure.cascade_model_version_id,
      escalated: [{ stage: 0 }, { stage: 1 }],
      feedback: null,
    });
    const listed = await h
      .http()
      .get(`/v1/tasks/${task}/predictions?abstained=true&limit=100`)
      .set('authorization', auth)
      .expect(200);
    expect(listed.body.data.every((item: { abstained: boolean }) => item.abstained)).toBe(true);
    const shown = await h.http().get(`/v1/predictions/${sure.prediction_id}`).set('authorization', auth).expect(200);
    expect(shown.body).toMatchObject({ stage: 1, abstained: false, escalated: [{ stage: 0, confidence: 0.5 }] });

    await h
      .http()
      .post(`/v1/predictions/${unsure.prediction_id}/feedback`)
      .set('authorization', auth)
      .send({ label: 'other' })
      .expect(200);
    expect((await queue()).data.map((item: { id: string }) => item.id)).not.toContain(unsure.prediction_id);
  });

  it('refuses inconsistent routing modes with the field at fault', async () => {
    const fields = async (body: Record<string, unknown>) => {
      const response = await patch(body).expect(400);
      return response.body.errors.map((error: { field: string }) => error.field);
    };
    expect(await fields({ mode: 'cascade' })).toEqual(['body.cascade']);
    expect(
      await fields({ cascade: [{ model_version_id: cheap, min_confidence: 0.5 }, { model_version_id: big }] }),
    ).toEqual(['body.cascade']);
    expect(await fields({ mode: 'champion', abstain_below: 0.5 })).toEqual(['body.abstain_below']);
    expect(
      await fields({ mode: 'cascade', cascade: [{ model_version_id: cheap }, { model_version_id: big }] }),
    ).toEqual(['body.cascade[0].min_confidence']);
    expect(
      await fields({
        mode: 'cascade',
        cascade: [
          { model_version_id: cheap, min_confidence: 0.5 },
          { model_version_id: big, min_confidence: 0.5 },
        ],
      }),
    ).toEqual(['body.cascade[1].min_confidence']);
    expect(
      await fields({
        mode: 'cascade',
        cascade: [{ model_version_id: cheap, min_confidence: 0.5 }, { model_version_id: cheap }],
      }),
    ).toEqual(['body.cascade[1].model_version_id']);
    expect(await fields({ mode: 'cascade', cascade: [{ model_version_id: cheap }] })).toContain('body.cascade');
  });

  it('is undone by rollback and by mode champion, back to the champion it replaced', async () => {
    await route(h, task, { champion: big });
    const set = await cascade(0.75).expect(200);
    const cascadeId = set.body.champion_id as string;
    const history = await h.http().get(`/v1/tasks/${task}/routing/history`).set('authorization', auth).expect(200);
    expect(history.body.data[0]).toMatchObject({
      action: 'promote',
      from_model_id: big,
      to_model_id: cascadeId,
      reason: 'routing set to a cascade',
      numbers: {
        mode: 'cascade',
        stages: [
          { model_version_id: cheap, min_confidence: 0.75 },
          { model_version_id: big, min_confidence: null },
        ],
        abstain_below: null,
      },
    });

    const rolled = await h
      .http()
      .post(`/v1/tasks/${task}/routing/rollback`)
      .set('authorization', auth)
      .send({ reason: 'undo the cascade' })
      .expect(200);
    expect(rolled.body).toMatchObject({ champion_id: big, mode: 'champion', cascade: null });
    expect((await classify(h, task, { input: 'c=0.99 z' }).expect(200)).body.results[0]).toMatchObject({
      model_version_id: big,
      cascade_model_version_id: null,
    });

    await route(h, task, { champion: cheap });
    const again = await cascade(0.75).expect(200);
    expect(again.body.champion_id).toBe(cascadeId); // the same definition: the same model version
    const back = await patch({ mode: 'champion' }).expect(200);
    expect(back.body).toMatchObject({ champion_id: cheap, mode: 'champion', cascade: null });
    const unchanged = await patch({ mode: 'champion' }).expect(200);
    expect(unchanged.body.champion_id).toBe(cheap);
  });

  it('is seen by a second API instance on the same Postgres and Redis', async () => {
    await route(h, task, { champion: big });
    const second = await secondInstance(h.config);
    try {
      const other = supertest(second.url);
      const ask = async () =>
        (await other.post(`/v1/tasks/${task}/classify`).set('authorization', auth).send({ input: 'c=0.99 second' }))
          .body.results[0];
      expect((await ask()).model_version_id).toBe(big);
      await second.runtime.services.serving.ready();
      const set = await cascade(0.8).expect(200);
      await expect
        .poll(async () => (await ask()).cascade_model_version_id, { timeout: 10_000, interval: 20 })
        .toBe(set.body.champion_id);
      expect(await ask()).toMatchObject({ model_version_id: cheap, stage: { index: 0 } });
    } finally {
      await second.stop();
    }
  });
});

describe('cascade guards', () => {
  it('refuses registering a cascade directly, training one further and an endpoint for one', async () => {
    const registered = await h
      .http()
      .post(`/v1/tasks/${task}/model-versions`)
      .set('authorization', auth)
      .send({ kind: 'cascade', provider: 'openai', model: 'gpt-4o-mini' });
    expect(registered.status).toBe(400);
    expect(registered.body.errors[0].field).toBe('body.kind');

    const cascadeId = (await cascade(0.6).expect(200)).body.champion_id as string;
    const trained = await h
      .http()
      .post(`/v1/tasks/${task}/fine-tunes`)
      .set('authorization', auth)
      .send({ dataset_version_id: version, provider: 'local', parent_model_version_id: cascadeId });
    expect(trained.status, JSON.stringify(trained.body)).toBe(400);
    expect(trained.body.errors).toEqual([
      { field: 'body.parent_model_version_id', message: expect.stringContaining('is a cascade') },
    ]);
    const endpoint = await h
      .http()
      .post(`/v1/model-versions/${cascadeId}/endpoint`)
      .set('authorization', auth)
      .send({ hardware: 'x' });
    expect(endpoint.status).toBe(400);
    expect(endpoint.body.errors).toEqual([
      { field: 'path.model_version', message: expect.stringContaining('is a cascade') },
    ]);
  });

  it('retires every cascade holding a model retired, in the same change, and serves the fallback', async () => {
    const spare = await registerModel(h, task, { kind: 'prompt', provider: 'openai', model: 'gpt-4o', name: 'spare' });
    const set = await patch({
      mode: 'cascade',
      cascade: [{ model_version_id: cheap, min_confidence: 0.9 }, { model_version_id: spare }],
    }).expect(200);
    const cascadeId = set.body.champion_id as string;
    await h
      .http()
      .post(`/v1/model-versions/${spare}/retire`)
      .set('authorization', auth)
      .send({ reason: 'replaced' })
      .expect(200);
    const shown = await h.http().get(`/v1/model-versions/${cascadeId}`).set('authorization', auth).expect(200);
    expect(shown.body.status).toBe('retired');
    const routing = await h.http().get(`/v1/tasks/${task}/routing`).set('authorization', auth).expect(200);
    expect(routing.body).toMatchObject({ champion_id: null, mode: 'champion', cascade: null });
    await expect
      .poll(async () => (await classify(h, task, { input: 'c=0.99 after retire' })).body.results?.[0]?.served_by, {
        timeout: 10_000,
        interval: 20,
      })
      .toBe('fallback');
  });
});

describe('cascade retirement by the provider', () => {
  it('retires the cascade with a stage model its provider no longer has (model_not_found)', async () => {
    const doomed = await registerModel(h, task, {
      kind: 'prompt',
      provider: 'openai',
      model: 'gpt-4.1-nano',
      name: 'doomed',
    });
    const set = await patch({
      mode: 'cascade',
      cascade: [{ model_version_id: cheap, min_confidence: 0.9 }, { model_version_id: doomed }],
    }).expect(200);
    const cascadeId = set.body.champion_id as string;
    fake.configure({ models: { retired: ['gpt-4.1-nano'] } });
    const result = (await classify(h, task, { input: 'c=0.2 gone' }).expect(200)).body.results[0];
    expect(result).toMatchObject({ served_by: 'fallback', fallback_reason: 'model_not_found' });
    await expect
      .poll(
        async () => (await h.http().get(`/v1/model-versions/${cascadeId}`).set('authorization', auth)).body.status,
        {
          timeout: 5_000,
        },
      )
      .toBe('retired');
    expect((await h.http().get(`/v1/model-versions/${doomed}`).set('authorization', auth)).body.status).toBe('retired');
    const routing = await h.http().get(`/v1/tasks/${task}/routing`).set('authorization', auth).expect(200);
    expect(routing.body).toMatchObject({ champion_id: null, mode: 'champion' });
  });
});
