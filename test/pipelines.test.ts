import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/domain/ids.js';
import { STEP_NAMES } from '../src/domain/pipelines/steps.js';
import { defaultPrepare } from '../src/services/pipelines/pipelines-service.js';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify } from './helpers/classify.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { parseEventStream } from './helpers/event-stream.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { seedTitlesTask, stepOf, waitForPipeline, type Step } from './helpers/pipelines.js';
import { TITLE_WORDS } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let source: string;
let baseline: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 20, queuedMs: 20, runningMs: 100 } });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    FINE_TUNE_POLL_MS: '50',
    FINE_TUNE_POLL_MAX_MS: '200',
  });
  workers = await startWorkers(h, ['labeling', 'training', 'evaluation', 'pipelines'], 4);
  ({ source, baseline } = await seedTitlesTask(h));
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

describe('pipelines', () => {
  it('labels, prepares, trains, evaluates against the prompt-only baseline and promotes, step by step', async () => {
    const created = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: source,
        label: { provider: 'local', mode: 'few_shot', k: 20 },
        candidates: [{ provider: 'local', seed: 7 }],
      });
    expect(created.status).toBe(202);
    expect(created.headers['location']).toBe(`/v1/pipelines/${created.body.id}`);
    expect(created.body.steps.map((s: Step) => [s.name, s.status])).toEqual([
      ['label', 'pending'],
      ['prepare', 'pending'],
      ['train', 'pending'],
      ['evaluate', 'pending'],
      ['promote', 'pending'],
    ]);

    const watching = h
      .http()
      .get(`/v1/pipelines/${created.body.id}/stream`)
      .set('authorization', auth)
      .then((r) => r);
    const done = await waitForPipeline(h, created.body.id);
    expect(done.status, JSON.stringify(done)).toBe('completed');
    // The stream: a snapshot, then the steps as they change, and the end.
    const { events } = parseEventStream((await watching).text);
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { id: created.body.id, status: 'running' } });
    expect(events.filter((event) => event.event === 'snapshot')).toHaveLength(1);
    expect(events.slice(1, -1).some((event) => 'steps' in event.data)).toBe(true);
    for (const event of events.slice(1, -1)) expect(event.data).not.toHaveProperty('params');
    expect(Object.assign({}, ...events.slice(0, -1).map((event) => event.data))).toEqual(
      (await h.http().get(`/v1/pipelines/${created.body.id}`).set('authorization', auth)).body,
    );
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
    expect(done.steps.every((s) => s.status === 'completed' && s.duration_ms !== null && s.cost_usd === 0)).toBe(true);
    const label = stepOf(done, 'label').outputs;
    expect(label).toMatchObject({ status: 'completed', done: 40, total: 40 });
    const prepare = stepOf(done, 'prepare').outputs;
    expect(prepare['from_version_id']).toBe(label['version_id']);
    expect(prepare['stats'].unlabeled).toBe(0);
    const train = stepOf(done, 'train').outputs;
    expect(train['candidates']).toEqual([
      expect.objectContaining({ provider: 'local', status: 'succeeded', model_version_id: expect.any(String) }),
    ]);
    const candidate = train['candidates'][0].model_version_id;
    const evaluate = stepOf(done, 'evaluate').outputs;
    expect(evaluate['version_id']).toBe(prepare['version_id']);
    expect(
      evaluate['evaluations'].map((e: { model_version_id: string; role: string; status: string }) => [
        e.model_version_id,
        e.role,
        e.status,
      ]),
    ).toEqual([
      [candidate, 'candidate', 'completed'],
      [baseline, 'baseline', 'completed'],
    ]);
    // Both were scored on the same rows: the leaderboard of the prepared version holds both.
    const board = await h
      .http()
      .get(`/v1/tasks/titles/leaderboard?dataset_version_id=${prepare['version_id']}`)
      .set('authorization', auth);
    expect(board.body.entries.map((entry: { model: { id: string } }) => entry.model.id).sort()).toEqual(
      [candidate, baseline].sort(),
    );
    // An ended evaluation's stream: its snapshot and the end.
    const evaluationId = evaluate['evaluations'][0].evaluation_id;
    const evaluationStream = parseEventStream(
      (await h.http().get(`/v1/evaluations/${evaluationId}/stream`).set('authorization', auth)).text,
    ).events;
    expect(evaluationStream.map((event) => event.event)).toEqual(['snapshot', 'end']);
    expect(evaluationStream[0]!.data).toMatchObject({ id: evaluationId, status: 'completed', eta_seconds: 0 });
    const unknown = await h
      .http()
      .get('/v1/evaluations/01890a5d-ac96-774b-bcce-b302099a8057/stream')
      .set('authorization', auth);
    expect(unknown.status).toBe(404);
    const promote = stepOf(done, 'promote').outputs;
    expect(promote['best_candidate']).toBe(candidate);
    const routing = await h.http().get('/v1/tasks/titles/routing').set('authorization', auth);
    expect(routing.body.champion_id).toBe(promote['champion_after']);
    expect(promote['promoted']).toBe(routing.body.champion_id === candidate);

    const list = await h.http().get('/v1/tasks/titles/pipelines').set('authorization', auth);
    expect(list.body.data[0].id).toBe(created.body.id);
  }, 120_000);

  it('stops the steps after a failed one with the reason, and a retry resumes there without redoing the rest', async () => {
    fake.configure({ faults: { trainingNotAvailable: true } });
    const created = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({ dataset_version_id: source, candidates: [{ provider: 'openai', base_model: 'gpt-4o-mini-2024-07-18' }] });
    expect(created.status).toBe(202);
    const failed = await waitForPipeline(h, created.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.steps.map((s) => s.status)).toEqual(['skipped', 'completed', 'failed', 'blocked', 'blocked']);
    expect(stepOf(failed, 'train').error).toMatch(/no candidate was trained: openai: refused/);
    expect(stepOf(failed, 'evaluate').error).toBe('not run: step "train" failed');
    expect(failed.error).toMatch(/^train: /);
    const prepared = stepOf(failed, 'prepare');

    fake.configure({ faults: { trainingNotAvailable: false } });
    const retried = await h.http().post(`/v1/pipelines/${created.body.id}/retry`).set('authorization', auth);
    expect(retried.status).toBe(202);
    expect(retried.body.attempt).toBe(2);
    const done = await waitForPipeline(h, created.body.id, 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    // The prepared version was kept, not made again.
    expect(stepOf(done, 'prepare')).toMatchObject({ attempts: prepared.attempts, outputs: prepared.outputs });
    const candidates = stepOf(done, 'train').outputs['candidates'];
    expect(candidates).toEqual([expect.objectContaining({ provider: 'openai', status: 'succeeded', attempt: 2 })]);
    expect(stepOf(done, 'train').cost_usd).toBeGreaterThan(0);
    expect(done.cost_usd).toBeGreaterThan(0);

    const again = await h.http().post(`/v1/pipelines/${created.body.id}/retry`).set('authorization', auth);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('pipeline_not_failed');
  }, 180_000);

  it('starts a new label run on retry when the pipeline failed at labeling', async () => {
    fake.configure({ faults: { insufficientQuota: true } });
    const created = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: source,
        label: { provider: 'openai', mode: 'zero_shot' },
        candidates: [{ provider: 'local', seed: 9 }],
      });
    expect(created.status).toBe(202);
    const failed = await waitForPipeline(h, created.body.id);
    fake.configure({ faults: { insufficientQuota: false } });
    expect(failed.steps.map((s) => s.status)).toEqual(['failed', 'blocked', 'blocked', 'blocked', 'blocked']);
    expect(stepOf(failed, 'label').outputs).toMatchObject({ status: 'failed', attempt: 1 });
    const firstRun = stepOf(failed, 'label').outputs['label_run_id'];

    expect((await h.http().post(`/v1/pipelines/${created.body.id}/retry`).set('authorization', auth)).status).toBe(202);
    const done = await waitForPipeline(h, created.body.id, 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    expect(stepOf(done, 'label').outputs).toMatchObject({ status: 'completed', attempt: 2 });
    expect(stepOf(done, 'label').outputs['label_run_id']).not.toBe(firstRun);
  }, 120_000);

  it('runs a pipeline whose flow was never queued once workers resume, and leaves queued ones alone', async () => {
    // What the API leaves behind when it dies between writing a pipeline and adding its flow.
    const id = newId();
    const params = {
      datasetVersionId: source,
      prepare: { operations: defaultPrepare(30) },
      candidates: [{ provider: 'local', seed: 5 }],
      baselineModelVersionId: baseline,
    };
    const task = (await h.http().get('/v1/tasks/titles').set('authorization', auth)).body.id;
    await h.runtime.database.pool.query(
      "INSERT INTO pipelines (id, task_id, status, params, attempt) VALUES ($1, $2, 'running', $3, 1)",
      [id, task, params],
    );
    await h.runtime.database.pool.query(
      `INSERT INTO pipeline_steps (pipeline_id, name, position, status)
       SELECT $1, name, position - 1, CASE WHEN name = 'label' THEN 'skipped' ELSE 'pending' END FROM unnest($2::text[]) WITH ORDINALITY AS stepOf(name, position)`,
      [id, STEP_NAMES],
    );
    expect(await h.runtime.services.pipelines.resumeActive()).toBe(1);
    // Its flow is queued now: resuming again adds nothing.
    expect(await h.runtime.services.pipelines.resumeActive()).toBe(0);
    const done = await waitForPipeline(h, id, 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    expect(done.steps.map((s) => s.status)).toEqual(['skipped', 'completed', 'completed', 'completed', 'completed']);
  }, 120_000);

  it('refuses what cannot run: unknown version, unconfigured provider, unknown baseline', async () => {
    const response = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: '01890a5d-ac96-774b-bcce-b302099a8057',
        candidates: [{ provider: 'local' }],
        baseline_model_version_id: '01890a5d-ac96-774b-bcce-b302099a8057',
      });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.dataset_version_id',
      'body.baseline_model_version_id',
    ]);
    const empty = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({ dataset_version_id: source, candidates: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('body.candidates');
  });
});

describe('a pipeline on a task with nothing routed yet', () => {
  it('sizes the test split to the policy, registers and evaluates a prompt-only baseline as fallback, and states what serves', async () => {
    // Seen on landed main: the default 70/15/15 split of 150 rows left 22 test rows against a
    // policy needing 30, no baseline was evaluated (the task had no fallback), nothing was
    // promoted and classify answered 409, under a pipeline reported completed.
    await createTask(h, 'fresh', ['instructional', 'other']);
    const rows = Array.from({ length: 150 }, (_, i) => {
      const label = i % 2 ? 'instructional' : 'other';
      const pool = TITLE_WORDS[label];
      return { text: `${pool[i % pool.length]} ${pool[(i * 5 + 1) % pool.length]} clip ${i}`, label };
    });
    const version = (await upload(h, '/v1/tasks/fresh/datasets?name=fresh', jsonl(rows))).body.version.id;
    const created = await h
      .http()
      .post('/v1/tasks/fresh/pipelines')
      .set('authorization', auth)
      .send({ dataset_version_id: version, candidates: [{ provider: 'local', seed: 3 }] });
    expect(created.status).toBe(202);
    expect(created.body.outcome).toBeNull();

    const done = await waitForPipeline(h, created.body.id);
    expect(done.status, JSON.stringify(done)).toBe('completed');
    const prepared = stepOf(done, 'prepare').outputs;
    expect(prepared['stats'].row_count).toBe(150);
    expect(prepared['stats'].splits.test.rows).toBeGreaterThanOrEqual(30);

    const evaluations = stepOf(done, 'evaluate').outputs['evaluations'] as {
      model_version_id: string;
      role: string;
      status: string;
    }[];
    const baselineState = evaluations.find((state) => state.role === 'baseline')!;
    expect(baselineState.status).toBe('completed');
    const baselineModel = (
      await h.http().get(`/v1/model-versions/${baselineState.model_version_id}`).set('authorization', auth)
    ).body;
    expect(baselineModel).toMatchObject({
      kind: 'prompt',
      provider: 'local',
      status: expect.stringMatching(/fallback|champion/),
    });

    const routing = (await h.http().get('/v1/tasks/fresh/routing').set('authorization', auth)).body;
    expect(routing.fallback_id).toBe(baselineState.model_version_id);
    const candidate = evaluations.find((state) => state.role === 'candidate')!.model_version_id;
    const outcome = (
      done as unknown as {
        outcome: {
          result: string;
          reason: string;
          champion_model_version_id: string | null;
          fallback_model_version_id: string;
        };
      }
    ).outcome;
    expect(outcome.result).toBe(routing.champion_id === candidate ? 'promoted' : 'no_promotion');
    expect(outcome).toMatchObject({
      champion_model_version_id: routing.champion_id,
      fallback_model_version_id: baselineState.model_version_id,
    });
    expect(outcome.reason.length).toBeGreaterThan(0);

    // Something serves: the promoted candidate, or the baseline as fallback.
    const answer = await classify(h, 'fresh', { input: 'how to drill the guard pass' });
    expect(answer.status).toBe(200);
    expect([routing.champion_id, baselineState.model_version_id]).toContain(answer.body.results[0].model_version_id);
  }, 120_000);
});
