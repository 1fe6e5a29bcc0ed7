import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel, route, storedPredictions } from './helpers/classify.js';
import { allExamples } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { splitDataset } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let version: string;
let hosted: string;
let local: string;
const auth = bearer(ADMIN_KEY);
const started = new Date(Date.now() - 1_000);

beforeAll(async () => {
  fake = await startOpenAIFake();
  fake.script({ rules: [{ contains: 'how to', answer: 'instructional' }], default: 'other' });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    PREDICTION_LOG_FLUSH_MS: '20',
    CIRCUIT_MIN_CALLS: '100',
  });
  version = await splitDataset(h, 'titles', 60);
  hosted = await registerModel(h, 'titles', {
    kind: 'prompt',
    provider: 'openai',
    model: 'gpt-4o-mini',
    name: 'hosted',
  });
  local = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'local' });
  await route(h, 'titles', { champion: hosted, fallback: local });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const feedback = (id: string, label: string) =>
  h.http().post(`/v1/predictions/${id}/feedback`).set('authorization', auth).send({ label });

describe('feedback, monitoring and the feedback loop', () => {
  const ids: string[] = [];
  const labels: string[] = [];
  let existingText = '';

  it('takes feedback on predictions, validating the label; the latest feedback wins', async () => {
    existingText = (await allExamples(h, version)).find((row) => row.label === 'other' && row.split === 'train')!.text;
    const inputs = [
      'how to a',
      'how to b',
      'how to c',
      'how to d',
      'vlog e',
      'vlog f',
      'vlog g',
      'vlog h',
      'vlog i',
      existingText,
    ];
    const response = await classify(h, 'titles', { inputs });
    expect(response.status).toBe(200);
    for (const result of response.body.results) {
      ids.push(result.prediction_id);
      labels.push(result.label);
    }
    expect(labels).toEqual([...Array(4).fill('instructional'), ...Array(6).fill('other')]);

    // Feedback can arrive before the batched record is written: it waits for it.
    expect((await feedback(ids[0]!, 'instructional')).status).toBe(200);
    await expect.poll(() => storedPredictions(h, ids)).toBe(10);
    await feedback(ids[1]!, 'other').expect(200);
    await feedback(ids[1]!, 'instructional').expect(200); // corrected: counts once, as instructional
    await feedback(ids[2]!, 'other').expect(200); // the model was wrong
    await feedback(ids[4]!, 'other').expect(200);
    const last = await feedback(ids[9]!, 'instructional'); // wrong, and relabels an existing example
    expect(last.body.feedback).toMatchObject({ label: 'instructional', actor: 'bootstrap' });

    const bad = await feedback(ids[5]!, 'great');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.label');
    const unknown = await h
      .http()
      .post('/v1/predictions/01890a5d-ac96-774b-bcce-b302099a8057/feedback')
      .set('authorization', auth)
      .send({ label: 'other' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
  });

  it('reports traffic, fallback and error rates, latency, live accuracy per model and drift', async () => {
    // Two predictions served by the fallback while the champion fails.
    const beforeFallback = new Date(Date.now() - 5).toISOString();
    fake.configure({ faults: { errorRate: 1 } });
    const fallback = await classify(h, 'titles', { inputs: ['podcast x', 'how to y'] });
    fake.configure({ faults: { errorRate: 0 } });
    expect(fallback.body.results.map((r: { served_by: string }) => r.served_by)).toEqual(['fallback', 'fallback']);
    const fallbackIds = fallback.body.results.map((r: { prediction_id: string }) => r.prediction_id);
    await expect.poll(() => storedPredictions(h, fallbackIds)).toBe(2);

    const until = new Date(Date.now() + 1_000).toISOString();
    const response = await h
      .http()
      .get(
        `/v1/tasks/titles/monitoring?since=${started.toISOString()}&until=${until}&bucket_seconds=60&reference_version_id=${version}`,
      )
      .set('authorization', auth);
    expect(response.status).toBe(200);
    const body = response.body;
    expect(body.totals).toMatchObject({
      predictions: 12,
      served_by_champion: 10,
      served_by_fallback: 2,
      failed: 0,
      error_rate: 0,
      feedback: 5,
      correct: 3,
      live_accuracy: 3 / 5,
    });
    expect(body.totals.fallback_rate).toBeCloseTo(2 / 12, 12);
    expect(body.totals.latency_ms.p50).toBeGreaterThan(0);
    expect(body.totals.latency_ms.p99).toBeGreaterThanOrEqual(body.totals.latency_ms.p50);
    const byModel = Object.fromEntries(body.models.map((m: { model_version_id: string }) => [m.model_version_id, m]));
    expect(byModel[hosted]).toMatchObject({
      predictions: 10,
      served_by_champion: 10,
      feedback: 5,
      correct: 3,
      live_accuracy: 0.6,
    });
    expect(byModel[local]).toMatchObject({ predictions: 2, served_by_fallback: 2, feedback: 0, live_accuracy: null });
    // The series adds up to the totals, per model too.
    const sum = (key: string) =>
      body.series.reduce((total: number, bucket: Record<string, number>) => total + bucket[key]!, 0);
    expect(sum('predictions')).toBe(12);
    expect(sum('feedback')).toBe(5);
    expect(body.series.flatMap((bucket: { models: unknown[] }) => bucket.models).length).toBeGreaterThanOrEqual(2);

    // Drift: the predicted label shares against the training split's, by the PSI formula.
    const fallbackLabels = fallback.body.results.map((r: { label: string }) => r.label);
    const predicted = { instructional: 0, other: 0 } as Record<string, number>;
    for (const label of [...labels, ...fallbackLabels]) predicted[label]! += 1;
    expect(body.predicted_labels).toEqual(predicted);
    const versionBody = (await h.http().get(`/v1/dataset-versions/${version}`).set('authorization', auth)).body;
    const train = versionBody.stats.splits.train.label_distribution as Record<string, number>;
    const trainTotal = train['instructional']! + train['other']!;
    const expected = ['instructional', 'other'].reduce((psi, label) => {
      const e = train[label]! / trainTotal;
      const a = predicted[label]! / 12;
      return psi + (a - e) * Math.log(a / e);
    }, 0);
    expect(body.drift.psi).toBeCloseTo(expected, 10);
    expect(body.drift).toMatchObject({ reference_version_id: version, reference_split: 'train' });
    // 12 predictions are under the default minimum sample of 100: no level is claimed.
    expect(body.drift).toMatchObject({
      level: null,
      significant: false,
      insufficient_sample: true,
      sample: { predictions: 12, reference_rows: trainTotal, min_predictions: 100 },
    });
    const lowered = await h
      .http()
      .get(
        `/v1/tasks/titles/monitoring?since=${started.toISOString()}&until=${until}&reference_version_id=${version}&min_predictions=12`,
      )
      .set('authorization', auth);
    expect(lowered.body.drift).toMatchObject({ insufficient_sample: false, sample: { min_predictions: 12 } });
    expect(lowered.body.drift.level).toBe(expected < 0.1 ? 'stable' : expected <= 0.25 ? 'moderate' : 'significant');
    expect(lowered.body.drift.significant).toBe(expected > 0.25);

    // Only the two fallback predictions: a PSI far above 0.25 on two answers is not a shift.
    const two = await h
      .http()
      .get(`/v1/tasks/titles/monitoring?since=${beforeFallback}&until=${until}&reference_version_id=${version}`)
      .set('authorization', auth);
    expect(two.body.totals.predictions).toBe(2);
    expect(two.body.drift).toMatchObject({
      significant: false,
      insufficient_sample: true,
      level: null,
      sample: { predictions: 2, min_predictions: 100 },
    });
    const outOfBounds = await h.http().get(`/v1/tasks/titles/monitoring?min_predictions=0`).set('authorization', auth);
    expect(outOfBounds.status).toBe(400);
    expect(outOfBounds.body.errors[0].field).toBe('query.min_predictions');

    // Without a reference, a prompt-only champion has no training data to compare with.
    const noReference = await h.http().get('/v1/tasks/titles/monitoring').set('authorization', auth);
    expect(noReference.body.drift).toMatchObject({
      psi: null,
      reason: expect.stringContaining('reference_version_id'),
    });
    const badWindow = await h
      .http()
      .get(`/v1/tasks/titles/monitoring?since=${until}&until=${started.toISOString()}`)
      .set('authorization', auth);
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.errors[0].field).toBe('query.since');
  });

  it('lists the prediction log with filters', async () => {
    const withFeedback = await h
      .http()
      .get('/v1/tasks/titles/predictions?has_feedback=true&limit=2')
      .set('authorization', auth);
    expect(withFeedback.body.data).toHaveLength(2);
    expect(withFeedback.body.next_cursor).not.toBeNull();
    const rest = await h
      .http()
      .get(`/v1/tasks/titles/predictions?has_feedback=true&limit=10&cursor=${withFeedback.body.next_cursor}`)
      .set('authorization', auth);
    expect(rest.body.data).toHaveLength(3);
    const fallbackOnly = await h
      .http()
      .get('/v1/tasks/titles/predictions?served_by=fallback')
      .set('authorization', auth);
    expect(fallbackOnly.body.data.map((p: { served_by: string }) => p.served_by)).toEqual(['fallback', 'fallback']);
  });

  it('merges feedback into a new dataset version with label source feedback', async () => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${version}/merge-feedback`)
      .set('authorization', auth)
      .send({});
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ operation: 'merge_feedback', parent_id: version });
    expect(response.body.report.merge_feedback).toEqual({
      feedback: 5,
      relabeled: 1,
      confirmed: 0,
      added: 4,
      skipped_without_text: 0,
    });
    const before = await allExamples(h, version);
    const after = await allExamples(h, response.body.id);
    expect(after).toHaveLength(before.length + 4);
    const relabeled = after.filter((row) => row.text === existingText);
    expect(relabeled.every((row) => row.label === 'instructional' && row.label_source === 'feedback')).toBe(true);
    const added = after.slice(before.length);
    expect(added.map((row) => [row.text, row.label, row.label_source, row.split])).toEqual([
      ['how to a', 'instructional', 'feedback', 'train'],
      ['how to b', 'instructional', 'feedback', 'train'],
      ['how to c', 'other', 'feedback', 'train'],
      ['vlog e', 'other', 'feedback', 'train'],
    ]);
    // Nothing else changed.
    const untouched = (rows: typeof before) =>
      rows.filter((row) => row.text !== existingText).map((row) => [row.text, row.label, row.split]);
    expect(untouched(after.slice(0, before.length))).toEqual(untouched(before));
  });
});
