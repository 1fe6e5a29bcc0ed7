import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { parseEventStream } from './helpers/event-stream.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { waitForRun as waitForRunOf } from './helpers/label-runs.js';

let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let versionId: string;

const labeled = [
  ['How to pass the closed guard with pressure', 'instructional'],
  ['Armbar from mount: step by step details', 'instructional'],
  ['Three drills to fix your guard retention', 'instructional'],
  ['Beginner tutorial: hip escape technique', 'instructional'],
  ['Full match: heavyweight final at the open', 'other'],
  ['My trip to the tournament vlog', 'other'],
  ['Podcast episode 40 with a world champion', 'other'],
  ['Highlights and fights from last weekend', 'other'],
];
const unlabeled = [
  'Step by step tutorial for the guard pass',
  'Vlog: travelling to the open tournament',
  'Technique drill to escape mount',
  'Podcast: interview after the final match',
];

beforeAll(async () => {
  h = await createHarness();
  workers = await startWorkers(h, ['labeling']);
  await createTask(h, 'titles', ['instructional', 'other']);
  const body = jsonl([...labeled.map(([text, label]) => ({ text, label })), ...unlabeled.map((text) => ({ text }))]);
  versionId = (await upload(h, '/v1/tasks/titles/datasets?name=titles', body)).body.version.id;
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
});

const auth = bearer(ADMIN_KEY);

const waitForRun = (id: string) => waitForRunOf(h, id);

describe('labeling with the offline few-shot model', () => {
  it('labels only the unlabeled rows, once each, and writes a new version with source llm', async () => {
    const created = await h
      .http()
      .post(`/v1/dataset-versions/${versionId}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'local', mode: 'few_shot', k: 8 });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: 'queued',
      total: 4,
      provider: 'local',
      model: 'few-shot-tfidf',
      mode: 'few_shot',
    });
    expect(created.body.prompt.fewShot).toHaveLength(8);

    const run = await waitForRun(created.body.id);
    expect(run).toMatchObject({ status: 'completed', done: 4, labeled: 4, failed: 0, skipped: 0, cost_usd: 0 });
    const rows = await allExamples(h, run.result_version_id, '&label_source=llm');
    expect(Object.fromEntries(rows.map((row) => [row.text, row.label]))).toEqual({
      'Step by step tutorial for the guard pass': 'instructional',
      'Vlog: travelling to the open tournament': 'other',
      'Technique drill to escape mount': 'instructional',
      'Podcast: interview after the final match': 'other',
    });
    const version = (await h.http().get(`/v1/dataset-versions/${run.result_version_id}`).set('authorization', auth))
      .body;
    expect(version).toMatchObject({ operation: 'label', parent_id: versionId });
    expect(version.stats.label_sources).toEqual({ import: 8, llm: 4 });

    const results = await h.http().get(`/v1/label-runs/${run.id}/results?limit=100`).set('authorization', auth);
    expect(results.body.data).toHaveLength(4);
    for (const result of results.body.data) {
      expect(result.status).toBe('labeled');
      expect(result.confidence).toBeGreaterThan(0.5);
      expect(Object.keys(result.probabilities).sort()).toEqual(['instructional', 'other']);
    }
  });

  it('relabels everything when asked and reports agreement with the existing labels', async () => {
    const created = await h
      .http()
      .post(`/v1/dataset-versions/${versionId}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'local', mode: 'few_shot', only_unlabeled: false });
    const run = await waitForRun(created.body.id);
    expect(run.total).toBe(12);
    // The few-shot model has seen the labeled rows, so it agrees with them completely.
    expect(run.report.label_run.agreement_with_existing_labels).toEqual({ n: 8, accuracy: 1, kappa: 1 });
  });

  it('streams progress as server-sent events until the run ends', async () => {
    const created = await h
      .http()
      .post(`/v1/dataset-versions/${versionId}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'local', mode: 'zero_shot' });
    await waitForRun(created.body.id);
    const stream = await h.http().get(`/v1/label-runs/${created.body.id}/events`).set('authorization', auth);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    // An ended run: its snapshot (without the bulky prompt), then the end, and the stream closes.
    const { events } = parseEventStream(stream.text);
    expect(events.map((event) => event.event)).toEqual(['snapshot', 'end']);
    expect(events[0]!.data).toMatchObject({ id: created.body.id, status: 'completed', done: 4 });
    expect(events[0]!.data).not.toHaveProperty('prompt');
    expect(events[1]).toMatchObject({ id: events[0]!.id, data: { status: 'completed' } });
  });

  it('rejects bad requests precisely', async () => {
    const openai = await h
      .http()
      .post(`/v1/dataset-versions/${versionId}/label-runs`)
      .set('authorization', auth)
      .send({ provider: 'openai' });
    expect(openai.status).toBe(400);
    expect(openai.body.code).toBe('provider_not_configured');

    const label = await h
      .http()
      .post(`/v1/dataset-versions/${versionId}/label-runs`)
      .set('authorization', auth)
      .send({
        provider: 'local',
        mode: 'few_shot',
        few_shot_examples: [{ text: 'x', label: 'nope' }],
        refine: { negative_label: 'nope', min_confidence: 0.5 },
      });
    expect(label.status).toBe(400);
    expect(label.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.few_shot_examples[0].label',
      'body.refine.negative_label',
    ]);

    const unknown = await h
      .http()
      .get('/v1/label-runs/01a20640-24e4-7327-b61a-aa8e446cf75a')
      .set('authorization', auth);
    expect(unknown.status).toBe(404);
  });
});
