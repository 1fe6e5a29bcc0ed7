import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classifyOverHttp, registerModel, route, storedPredictions, untilUpstreamSees } from './helpers/classify.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';
import { secondInstance } from './helpers/second-instance.js';
import type { Runtime } from '../src/start/runtime.js';
import { splitDataset } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let hosted: string;
let local: string;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  fake = await startOpenAIFake();
  fake.script({ rules: [{ contains: 'how to', answer: 'instructional' }], default: 'other' });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    PREDICTION_LOG_FLUSH_MS: '50',
    PREDICTION_LOG_BATCH: '40',
  });
  const version = await splitDataset(h, 'titles', 40);
  hosted = await registerModel(h, 'titles', {
    kind: 'prompt',
    provider: 'openai',
    model: 'gpt-4o-mini',
    name: 'hosted',
  });
  local = await registerModel(h, 'titles', {
    kind: 'prompt',
    provider: 'local',
    name: 'local',
    few_shot_from: { dataset_version_id: version, k: 20 },
  });
  await route(h, 'titles', { champion: hosted, fallback: local });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

describe('several API instances', () => {
  it('sees a promotion made through another instance long before its periodic reload, with no database read per call', async () => {
    const second = await secondInstance(h.config);
    try {
      const other = supertest(second.url);
      const ask = async () =>
        (await other.post('/v1/tasks/titles/classify').set('authorization', auth).send({ input: 'how to pass' })).body
          .results[0];
      expect((await ask()).model_version_id).toBe(hosted);
      await second.runtime.services.serving.ready();

      // With the route in memory, classify reads nothing from the database; its only query is the
      // prediction log's batched insert, written in the background.
      const queries = recordQueries(second.runtime);
      await ask();
      await ask();
      expect(queries().filter((text) => !text.startsWith('INSERT INTO predictions'))).toEqual([]);
      await other.get('/v1/tasks/titles/routing').set('authorization', auth).expect(200);
      expect(queries().length).toBeGreaterThan(0); // the recorder does see this instance's queries

      // The notice on Redis carries it: the periodic reload (ROUTING_REFRESH_MS, a minute) is far off.
      await route(h, 'titles', { champion: local });
      await expect.poll(async () => (await ask()).model_version_id, { timeout: 10_000, interval: 20 }).toBe(local);

      // Same the other way round, and for key revocation.
      const created = await h
        .http()
        .post('/v1/api-keys')
        .set('authorization', auth)
        .send({ name: 'k', scopes: ['classify'] });
      const key = created.body.key as string;
      await other.post('/v1/tasks/titles/classify').set('authorization', bearer(key)).send({ input: 'x' }).expect(200);
      await h.http().delete(`/v1/api-keys/${created.body.id}`).set('authorization', auth).expect(200);
      await expect
        .poll(
          async () =>
            (await other.post('/v1/tasks/titles/classify').set('authorization', bearer(key)).send({ input: 'x' }))
              .status,
          { timeout: 10_000, interval: 20 },
        )
        .toBe(401);
    } finally {
      await route(h, 'titles', { champion: hosted });
      await second.stop();
    }
  });

  it('answers every request it took and loses no prediction record when shut down gracefully under load', async () => {
    fake.configure({ faults: { latencyMs: 30 } });
    const second = await secondInstance(h.config);
    const burst = `burst-${Date.now()}`;
    const send = (i: number) =>
      classifyOverHttp(second.url, 'titles', { inputs: [`how to ${burst} ${i}`, `vlog ${burst} ${i}`] });
    const inFlight = Array.from({ length: 150 }, (_, i) => send(i));
    await untilUpstreamSees(fake, burst, 10);
    const stopping = second.stop();
    const responses = await Promise.all(inFlight);
    await stopping;
    fake.configure({ faults: { latencyMs: 0 } });

    const answered = responses.filter((response) => response.status === 200);
    expect(answered.length).toBeGreaterThan(0);
    // Requests arriving while it closes get a clean 503, never a half-done answer.
    for (const response of responses.filter((r) => r.status !== 200 && r.status !== 0))
      expect(response.status).toBe(503);
    const ids = answered.flatMap((response) => response.body.results!.map((result) => result.prediction_id));
    // The instance is gone: the records of everything it answered were written before its pool closed,
    // and it recorded nothing it did not answer (no request was processed and then dropped).
    expect(await storedPredictions(h, ids)).toBe(ids.length);
    const recorded = await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n FROM predictions WHERE input_text LIKE $1',
      [`%${burst}%`],
    );
    expect(recorded.rows[0].n).toBe(ids.length);
  });
});

/** Records the text of every query the runtime's pool runs from now on. */
function recordQueries(runtime: Runtime): () => string[] {
  const texts: string[] = [];
  const pool = runtime.database.pool;
  const original = pool.query.bind(pool);
  (pool as unknown as { query: unknown }).query = (...args: Parameters<typeof pool.query>) => {
    const [first] = args as unknown[];
    texts.push((typeof first === 'string' ? first : String((first as { text?: string }).text)).trim());
    return (original as (...a: unknown[]) => unknown)(...args);
  };
  return () => texts;
}
