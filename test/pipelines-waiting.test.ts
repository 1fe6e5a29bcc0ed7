import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { registerModel } from './helpers/classify.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { metricValue } from './helpers/metrics.js';
import { getPipeline, stepOf, waitForPipeline } from './helpers/pipelines.js';
import { TITLE_WORDS } from './helpers/training.js';

/**
 * Seen on landed main: a step waiting on a label run, fine-tunes or evaluations re-ran every
 * second (3,600 job runs an hour per pipeline) while the hosted fine-tune it waited on was polled
 * far less often. What it waits on now wakes it; its own poll is only a safety net, configured
 * here far longer than the test may take, so a pipeline that completes was woken, not polled.
 */
let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  // A hosted fine-tune that trains for seconds, polled every 50–200 ms by the training queue.
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 200, queuedMs: 200, runningMs: 4_000 } });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    FINE_TUNE_POLL_MS: '50',
    FINE_TUNE_POLL_MAX_MS: '200',
    PIPELINE_WAIT_POLL_MS: '600000',
  });
  workers = await startWorkers(h, ['labeling', 'training', 'evaluation', 'pipelines'], 4);
  await createTask(h, 'waiting', ['instructional', 'other']);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

describe('a pipeline waiting on other queues', () => {
  it('is woken by the label run, the fine-tune and the evaluations it waits on, instead of polling', async () => {
    // 200 titles, the last 40 unlabeled: the label step waits on a label run first.
    const rows = Array.from({ length: 200 }, (_, i) => {
      const label = i % 2 ? 'instructional' : 'other';
      const pool = TITLE_WORDS[label];
      return {
        text: `${pool[i % pool.length]} ${pool[(i * 7 + 3) % pool.length]} clip ${i}`,
        ...(i < 160 ? { label } : {}),
      };
    });
    const source = (await upload(h, '/v1/tasks/waiting/datasets?name=waiting', jsonl(rows))).body.version.id;
    const baseline = await registerModel(h, 'waiting', { kind: 'prompt', provider: 'local', name: 'prompt-only' });
    await h
      .http()
      .patch('/v1/tasks/waiting/routing')
      .set('authorization', auth)
      .send({ fallback_model_version_id: baseline, min_test_size: 20 })
      .expect(200);

    const created = await h
      .http()
      .post('/v1/tasks/waiting/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: source,
        label: { provider: 'local', mode: 'few_shot', k: 20 },
        candidates: [{ provider: 'openai', base_model: 'gpt-4o-mini-2024-07-18' }],
      });
    expect(created.status).toBe(202);
    const done = await waitForPipeline(h, created.body.id, 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    expect(stepOf(done, 'train').outputs['candidates']).toEqual([
      expect.objectContaining({ provider: 'openai', status: 'succeeded' }),
    ]);

    // Each job run of a step is one start of its job. A waiting step runs once to start what it
    // waits on and once more per wake-up (each label run, fine-tune or evaluation it waits on ends
    // once; a wake-up that crosses a run costs one more), not once a second.
    const startsOf = async (step: string) =>
      (await h.runtime.queues.get('pipelines').getJob(`pipeline-${created.body.id}-1-${step}`))!.attemptsStarted;
    expect(await startsOf('label')).toBeLessThanOrEqual(2);
    expect(await startsOf('train')).toBeLessThanOrEqual(3);
    expect(await startsOf('evaluate')).toBeLessThanOrEqual(4);
    // The fine-tune itself was polled many times meanwhile.
    const fineTune = (
      await h.runtime.database.pool.query('SELECT polls FROM fine_tunes WHERE id = $1', [
        stepOf(done, 'train').outputs['candidates'][0].fine_tune_id,
      ])
    ).rows[0];
    expect(fineTune.polls).toBeGreaterThan(5);

    // The worker counts the same runs for /metrics.
    const metrics = await h.runtime.metrics.metrics();
    expect(metricValue(metrics, 'tuneline_pipeline_step_runs_total', { step: 'train' })).toBe(await startsOf('train'));
  }, 120_000);
});

describe('a pipeline whose wake-up was lost', () => {
  let slow: OpenAIFake;
  let lost: Harness;
  let lostWorkers: Awaited<ReturnType<typeof startWorkers>>;
  beforeAll(async () => {
    slow = await startOpenAIFake();
    lost = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: slow.url, PIPELINE_WAIT_POLL_MS: '300' });
    lostWorkers = await startWorkers(lost, ['labeling', 'pipelines'], 2);
    await createTask(lost, 'lost', ['instructional', 'other']);
  });
  afterAll(async () => {
    await lostWorkers?.close();
    await lost?.close();
    await slow?.close();
  });

  it('still sees the end of what it waits on, by its safety-net poll', async () => {
    const source = (
      await upload(
        lost,
        '/v1/tasks/lost/datasets?name=lost',
        jsonl(Array.from({ length: 40 }, (_, i) => ({ text: `how to sweep ${i}` }))),
      )
    ).body.version.id;
    slow.configure({ faults: { latencyMs: 1_000 } });
    const created = await lost
      .http()
      .post('/v1/tasks/lost/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: source,
        label: { provider: 'openai', mode: 'zero_shot' },
        candidates: [{ provider: 'local' }],
      });
    expect(created.status).toBe(202);
    const labelRunId = async () =>
      stepOf(await getPipeline(lost, created.body.id), 'label').outputs['label_run_id'] as string | undefined;
    await expect.poll(labelRunId, { timeout: 20_000, interval: 50 }).toEqual(expect.any(String));
    const runId = (await labelRunId())!;
    // What a process that committed the end and died before waking anyone leaves behind.
    await lost.runtime.database.pool.query(
      "UPDATE label_runs SET status = 'cancelled', finished_at = now() WHERE id = $1",
      [runId],
    );

    const failed = await waitForPipeline(lost, created.body.id, 30_000);
    slow.configure({ faults: { latencyMs: 0 } });
    expect(failed.status).toBe('failed');
    expect(stepOf(failed, 'label').error).toMatch(new RegExp(`label run ${runId} cancelled`));
  }, 60_000);
});
