import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAIFake } from './fakes/openai/index.js';
import type { TogetherFake } from './fakes/together/index.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { seedTitlesTask, startTitleFakes, stepOf, waitForPipeline } from './helpers/pipelines.js';
import type { ResponseJson } from './helpers/response-json.js';

/**
 * One pipeline whose candidates are on three connections: the OpenAI fake (`openai`), the Together
 * fake (`together`) and the in-process `local`. Each candidate must be trained on its own
 * connection, get a model version and an evaluation, and the promotion picks among all three.
 */

let openai: OpenAIFake;
let together: TogetherFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let source: string;
let baseline: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  ({ openai, together } = await startTitleFakes());
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.url,
    TOGETHER_API_KEY: 'tg-test-key',
    TOGETHER_BASE_URL: together.url,
    FINE_TUNE_POLL_MS: '50',
    FINE_TUNE_POLL_MAX_MS: '200',
    FILE_PROCESSING_TIMEOUT_MS: '2000',
  });
  workers = await startWorkers(h, ['labeling', 'training', 'evaluation', 'pipelines'], 4);
  ({ source, baseline } = await seedTitlesTask(h));
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await openai?.close();
  await together?.close();
});

const get = async (path: string): Promise<ResponseJson> =>
  (await h.http().get(path).set('authorization', auth)).body as ResponseJson;
const chatModels = (requests: { method: string; path: string; body?: unknown }[]) =>
  requests
    .filter((request) => request.method === 'POST' && request.path === '/v1/chat/completions')
    .map((request) => (request.body as { model: string }).model);

describe('a pipeline with candidates on three connections', () => {
  it('trains each candidate on its own connection, evaluates all three against the baseline and promotes the best', async () => {
    const created = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: source,
        label: { provider: 'local', mode: 'few_shot', k: 20 },
        candidates: [
          { provider: 'openai', base_model: 'gpt-4o-mini-2024-07-18' },
          { provider: 'together' },
          { provider: 'local', seed: 7 },
        ],
      });
    expect(created.status, JSON.stringify(created.body)).toBe(202);

    const done = await waitForPipeline(h, created.body.id, 150_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    expect(stepOf(done, 'label').outputs).toMatchObject({ status: 'completed', done: 40, total: 40 });

    const candidates = stepOf(done, 'train').outputs['candidates'] as {
      provider: string;
      status: string;
      fine_tune_id: string;
      model_version_id: string;
    }[];
    expect(candidates.map((candidate) => [candidate.provider, candidate.status])).toEqual([
      ['openai', 'succeeded'],
      ['together', 'succeeded'],
      ['local', 'succeeded'],
    ]);
    const [atOpenAI, atTogether, atLocal] = await Promise.all(
      candidates.map((candidate) => get(`/v1/fine-tunes/${candidate.fine_tune_id}`)),
    );
    // Each fine-tune ran where its candidate asked: one job at each fake, none for the local one.
    expect(atOpenAI).toMatchObject({ provider: 'openai', status: 'succeeded' });
    expect(atTogether).toMatchObject({ provider: 'together', status: 'succeeded' });
    expect(atLocal).toMatchObject({ provider: 'local', status: 'succeeded' });
    expect([...openai.state.jobs.keys()]).toEqual([atOpenAI!['provider_job_id']]);
    expect([...together.state.jobs.keys()]).toEqual([atTogether!['provider_job_id']]);

    const models = await Promise.all(
      candidates.map((candidate) => get(`/v1/model-versions/${candidate.model_version_id}`)),
    );
    expect(models.map((model) => [model['provider'], model['kind']])).toEqual([
      ['openai', 'fine_tuned'],
      ['together', 'fine_tuned'],
      ['local', 'local_trained'],
    ]);

    const evaluations = stepOf(done, 'evaluate').outputs['evaluations'] as {
      model_version_id: string;
      role: string;
      status: string;
      score: number | null;
    }[];
    expect(evaluations.map((state) => [state.model_version_id, state.role, state.status])).toEqual([
      ...candidates.map((candidate) => [candidate.model_version_id, 'candidate', 'completed']),
      [baseline, 'baseline', 'completed'],
    ]);
    // The hosted models were evaluated where they are served.
    expect(chatModels(openai.requests)).toContain(models[0]!['model']);
    expect(chatModels(together.requests)).toContain(models[1]!['model']);
    expect(chatModels(openai.requests)).not.toContain(models[1]!['model']);
    expect(chatModels(together.requests)).not.toContain(models[0]!['model']);

    // The winner is the best-scoring candidate (the first of those tied), as the promote step always picks.
    const scored = evaluations.filter((state) => state.role === 'candidate');
    const best = scored.reduce((winner, state) => ((state.score ?? -1) > (winner.score ?? -1) ? state : winner));
    // Together's model knows every title, so it wins (local may tie it, and comes after it).
    expect(best.model_version_id).toBe(candidates[1]!.model_version_id);
    const promote = stepOf(done, 'promote').outputs;
    expect(promote['best_candidate']).toBe(best.model_version_id);
    const routing = await get('/v1/tasks/titles/routing');
    expect(routing['champion_id']).toBe(best.model_version_id);
    const outcome = (done as unknown as { outcome: ResponseJson }).outcome;
    expect(outcome).toMatchObject({
      result: 'promoted',
      best_candidate_model_version_id: best.model_version_id,
      champion_model_version_id: routing['champion_id'],
    });
  }, 180_000);
});
