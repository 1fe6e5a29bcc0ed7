import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { createFineTune, NO_TEST_SPLIT, splitDataset, waitForFineTune } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 300 } });
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, FINE_TUNE_POLL_MS: '40', FINE_TUNE_POLL_MAX_MS: '100' });
  workers = await startWorkers(h, ['training', 'evaluation'], 4);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

describe('seed 002 end to end: train and validation splits, no test split', () => {
  it('trains through the API, registers the model, skips the automatic evaluation, and serves it once promoted by hand', async () => {
    const version = await splitDataset(h, 'seed-002', 60, NO_TEST_SPLIT);
    const created = await createFineTune(h, 'seed-002', { dataset_version_id: version, provider: 'openai', base_model: 'gpt-4o-mini-2024-07-18' });
    expect(created.status).toBe(202);
    const done = await waitForFineTune(h, created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', error: null, model_version_id: expect.any(String) });
    expect(done.auto_evaluation).toEqual({ status: 'skipped', evaluation_id: null, reason: expect.stringContaining('test split') });

    const model = (await h.http().get(`/v1/model-versions/${done.model_version_id}`).set('authorization', auth)).body;
    expect(model).toMatchObject({ kind: 'fine_tuned', model: done.fine_tuned_model, status: 'candidate', source_fine_tune_id: done.id });

    const promoted = await h.http().post('/v1/tasks/seed-002/routing/promote').set('authorization', auth).send({ model_version_id: model.id, reason: 'seed 002 by hand' });
    expect(promoted.status).toBe(200);

    // The fine-tuned model answers with the label codes it was trained on.
    const codes = (await h.runtime.database.pool.query('SELECT label_codes FROM model_versions WHERE id = $1', [model.id])).rows[0].label_codes as Record<string, string>;
    fake.script((input) => (input.model === done.fine_tuned_model && input.userText.includes('how to') ? codes['instructional']! : codes['other']!));
    const classified = await h.http().post('/v1/tasks/seed-002/classify').set('authorization', auth).send({ text: 'how to escape side control' });
    expect(classified.status).toBe(200);
    expect(classified.body).toMatchObject({ label: 'instructional', model_version_id: model.id, served_by: 'champion' });
  });
});
