import { expect } from 'vitest';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { OpenAIFake } from '../fakes/openai/index.js';

const auth = bearer(ADMIN_KEY);

/** Registers a model version of a task and returns its id. */
export async function registerModel(h: Harness, task: string, body: Record<string, unknown>): Promise<string> {
  const response = await h.http().post(`/v1/tasks/${task}/model-versions`).set('authorization', auth).send(body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** Makes `champion` the task's champion and `fallback` its fallback (either may be left out). */
export async function route(h: Harness, task: string, models: { champion?: string; fallback?: string | null }) {
  if (models.champion) {
    await h
      .http()
      .post(`/v1/tasks/${task}/routing/promote`)
      .set('authorization', auth)
      .send({ model_version_id: models.champion })
      .expect(200);
  }
  if (models.fallback !== undefined) {
    await h
      .http()
      .patch(`/v1/tasks/${task}/routing`)
      .set('authorization', auth)
      .send({ fallback_model_version_id: models.fallback })
      .expect(200);
  }
}

export const classify = (h: Harness, task: string, body: Record<string, unknown>, key = ADMIN_KEY) =>
  h.http().post(`/v1/tasks/${task}/classify`).set('authorization', bearer(key)).send(body);

/** How many prediction records the database holds for these ids. */
export async function storedPredictions(h: Harness, ids: string[]): Promise<number> {
  const result = await h.runtime.database.pool.query(
    'SELECT count(*)::int AS n FROM predictions WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return result.rows[0].n as number;
}

export interface ClassifyAnswer {
  /** 0 when the connection was reset before the server read the request (a client retries those). */
  status: number;
  body: { results?: { prediction_id: string }[]; code?: string };
}

/** POSTs to a listening server's classify endpoint over a real connection, as a client service would. */
export const classifyOverHttp = (
  baseUrl: string,
  task: string,
  body: Record<string, unknown>,
): Promise<ClassifyAnswer> =>
  fetch(`${baseUrl}/v1/tasks/${task}/classify`, {
    method: 'POST',
    headers: { authorization: bearer(ADMIN_KEY), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
    .then(async (response) => ({ status: response.status, body: (await response.json()) as ClassifyAnswer['body'] }))
    .catch(() => ({ status: 0, body: {} }));

/** Resolves once the fake has received `count` chat requests mentioning `marker`: the API is in the middle of that load. */
export async function untilUpstreamSees(fake: OpenAIFake, marker: string, count: number): Promise<void> {
  const seen = () =>
    fake.requests.filter(
      (request) => request.path === '/v1/chat/completions' && JSON.stringify(request.body).includes(marker),
    ).length;
  await expect.poll(seen, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(count);
}
