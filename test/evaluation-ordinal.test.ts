import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { evaluateAndWait } from './helpers/evaluations.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';

let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
let model: string;
const auth = bearer(ADMIN_KEY);

const WORDS: Record<string, string[]> = {
  '1': ['awful', 'broken', 'useless'],
  '2': ['bad', 'slow', 'buggy'],
  '3': ['okay', 'average', 'fine'],
  '4': ['good', 'nice', 'solid'],
  '5': ['excellent', 'perfect', 'superb'],
};

beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: 'error' });
  workers = await startWorkers(h, ['evaluation'], 2);
  await createTask(
    h,
    'stars',
    [1, 2, 3, 4, 5].map((n) => ({ name: String(n), order: n })),
  );
  await createTask(h, 'plain', ['yes', 'no']);
  const rows = Array.from({ length: 100 }, (_, i) => {
    const label = String((i % 5) + 1);
    const pool = WORDS[label]!;
    return { text: `${pool[i % 3]} app, ${pool[(i + 1) % 3]} review ${i}`, label };
  });
  const imported = await upload(h, '/v1/tasks/stars/datasets?name=stars', jsonl(rows));
  const split = await h
    .http()
    .post(`/v1/dataset-versions/${imported.body.version.id}/derive`)
    .set('authorization', auth)
    .send({ operations: [{ op: 'split', train: 0.6, validation: 0.1, test: 0.3 }] });
  version = split.body.id;
  const registered = await h
    .http()
    .post('/v1/tasks/stars/model-versions')
    .set('authorization', auth)
    .send({ kind: 'prompt', provider: 'local', name: 'zero-shot' });
  model = registered.body.id;
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
});

const patchTask = (slug: string, body: object) =>
  h.http().patch(`/v1/tasks/${slug}`).set('authorization', auth).send(body);

async function goodVsBadFromPredictions(evaluationId: string, from: number) {
  const rows = (await h.http().get(`/v1/evaluations/${evaluationId}/predictions?limit=100`).set('authorization', auth))
    .body.data as { true_label: string; predicted: string | null; error_code: string | null }[];
  const good = (label: string | null) => label !== null && Number(label) >= from;
  const hits = rows.filter(
    (row) => row.predicted !== null && !row.error_code && good(row.true_label) === good(row.predicted),
  );
  return hits.length / rows.length;
}

describe('good-vs-bad accuracy', () => {
  it('is computed from the task’s good_threshold, shown in the report and usable as the ranking metric', async () => {
    const set = await patchTask('stars', { good_threshold: '4' });
    expect(set.status).toBe(200);
    expect(set.body.good_threshold).toBe('4');

    const evaluation = await evaluateAndWait(h, model, version);
    expect(evaluation['status']).toBe('completed');
    const ordinal = evaluation['metrics'].ordinal;
    expect(ordinal).toMatchObject({ good_threshold: 4, good_threshold_label: '4' });
    expect(ordinal.good_vs_bad_accuracy).not.toBeNull();
    expect(ordinal.good_vs_bad_accuracy).toBeCloseTo(await goodVsBadFromPredictions(evaluation['id'], 4), 12);

    const report = (await h.http().get(`/v1/evaluations/${evaluation['id']}/report`).set('authorization', auth)).text;
    const fixed = (value: number) => value.toFixed(4);
    expect(report).toContain(`\none-off accuracy: ${fixed(ordinal.one_off_accuracy)}\n`);
    expect(report).toContain(`\ngood-vs-bad accuracy (good: "4" and above): ${fixed(ordinal.good_vs_bad_accuracy)}\n`);
    expect(report).toMatch(
      /\nno usable answer: \d+ of 30 \(\d+\.\d %\); failed calls 0, unparseable answers \d+, unknown labels 0\n/,
    );
    expect(report).toContain('\ncost per 1,000 classifications: $0.0000\n');
    expect(report).toMatch(
      /\nlatency ms: p50 \d+\.\d, p95 \d+\.\d, p99 \d+\.\d, mean \d+\.\d, max \d+\.\d \(30 rows\)\n/,
    );

    const routing = await h
      .http()
      .patch('/v1/tasks/stars/routing')
      .set('authorization', auth)
      .send({ metric: 'good_vs_bad_accuracy' });
    expect(routing.status).toBe(200);
    expect(routing.body.policy.metric).toBe('good_vs_bad_accuracy');
    const board = await h
      .http()
      .get(`/v1/tasks/stars/leaderboard?dataset_version_id=${version}&split=test`)
      .set('authorization', auth);
    expect(board.status).toBe(200);
    expect(board.body.metric).toBe('good_vs_bad_accuracy');
    const entry = (board.body.entries as { evaluation_id: string; score: number | null }[]).find(
      (candidate) => candidate.evaluation_id === evaluation['id'],
    );
    expect(entry?.score).toBe(ordinal.good_vs_bad_accuracy);
  });

  it('takes a threshold per evaluation, which wins over the task’s', async () => {
    const created = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model, dataset_version_id: version, good_threshold: '3' });
    expect(created.status).toBe(202);
    expect(created.body.good_threshold).toBe('3');
    await expect
      .poll(
        async () => (await h.http().get(`/v1/evaluations/${created.body.id}`).set('authorization', auth)).body.status,
        { timeout: 30_000, interval: 100 },
      )
      .toBe('completed');
    const evaluation = (await h.http().get(`/v1/evaluations/${created.body.id}`).set('authorization', auth)).body;
    expect(evaluation.metrics.ordinal).toMatchObject({ good_threshold: 3, good_threshold_label: '3' });
    expect(evaluation.metrics.ordinal.good_vs_bad_accuracy).toBeCloseTo(
      await goodVsBadFromPredictions(created.body.id, 3),
      12,
    );
  });

  it('validates the threshold against the task’s ordinal labels', async () => {
    const cases: [string, object, string][] = [
      ['stars', { good_threshold: '9' }, '"9" is not one of the task\'s labels'],
      ['stars', { good_threshold: '1' }, '"1" is the lowest-ranked label: every row would be good'],
      ['plain', { good_threshold: 'yes' }, 'only an ordinal task (every label has an order) has one'],
      [
        'stars',
        { labels: [1, 2, 3].map((n) => ({ name: String(n), order: n })) },
        '"4" is not one of the task\'s labels',
      ],
    ];
    for (const [slug, body, message] of cases) {
      const response = await patchTask(slug, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'body.good_threshold', message }]);
    }
    const created = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send({ slug: 'bad-threshold', instructions: 'x', labels: [{ name: 'a' }, { name: 'b' }], good_threshold: 'a' });
    expect(created.status).toBe(400);
    expect(created.body.errors[0].field).toBe('body.good_threshold');
    const evaluation = await h
      .http()
      .post('/v1/evaluations')
      .set('authorization', auth)
      .send({ model_version_id: model, dataset_version_id: version, good_threshold: 'five' });
    expect(evaluation.status).toBe(400);
    expect(evaluation.body.errors).toEqual([
      { field: 'body.good_threshold', message: '"five" is not one of the task\'s labels' },
    ]);
    // Clearing it in the same change lets the labels change.
    const cleared = await patchTask('stars', { good_threshold: null });
    expect(cleared.body.good_threshold).toBeNull();
  });
});
