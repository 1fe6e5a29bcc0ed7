import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import {
  createFineTune,
  NO_TEST_SPLIT,
  splitDataset,
  waitForAutoEvaluation,
  waitForFineTune,
} from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 50, queuedMs: 50, runningMs: 300 } });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    FINE_TUNE_POLL_MS: '40',
    FINE_TUNE_POLL_MAX_MS: '100',
  });
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
    const created = await createFineTune(h, 'seed-002', {
      dataset_version_id: version,
      provider: 'openai',
      base_model: 'gpt-4o-mini-2024-07-18',
    });
    expect(created.status).toBe(202);
    const done = await waitForFineTune(h, created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', error: null, model_version_id: expect.any(String) });
    expect((await waitForAutoEvaluation(h, done.id)).auto_evaluation).toEqual({
      status: 'skipped',
      evaluation_id: null,
      reason: expect.stringContaining('test split'),
    });

    const model = (await h.http().get(`/v1/model-versions/${done.model_version_id}`).set('authorization', auth)).body;
    expect(model).toMatchObject({
      kind: 'fine_tuned',
      model: done.fine_tuned_model,
      status: 'candidate',
      source_fine_tune_id: done.id,
    });

    const promoted = await h
      .http()
      .post('/v1/tasks/seed-002/routing/promote')
      .set('authorization', auth)
      .send({ model_version_id: model.id, reason: 'seed 002 by hand' });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);

    // Only the fine-tuned model knows the answer; anything else would say `unknown`.
    fake.script((input) =>
      input.model !== done.fine_tuned_model ? 'unknown' : input.userText.includes('how to') ? 'instructional' : 'other',
    );
    const classified = await h
      .http()
      .post('/v1/tasks/seed-002/classify')
      .set('authorization', auth)
      .send({ input: 'how to escape side control' });
    expect(classified.status, JSON.stringify(classified.body)).toBe(200);
    expect(classified.body.results[0]).toMatchObject({
      label: 'instructional',
      model_version_id: model.id,
      served_by: 'champion',
    });
  });
});
