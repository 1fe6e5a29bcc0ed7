import { expect } from 'vitest';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { ResponseJson } from './response-json.js';

/** Evaluates a model on a version's test split through the API and returns the evaluation once it has ended. */
export async function evaluateAndWait(
  h: Harness,
  modelId: string,
  versionId: string,
  timeout = 30_000,
): Promise<ResponseJson> {
  const auth = bearer(ADMIN_KEY);
  const created = await h
    .http()
    .post('/v1/evaluations')
    .set('authorization', auth)
    .send({ model_version_id: modelId, dataset_version_id: versionId });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  let evaluation: ResponseJson = {};
  await expect
    .poll(
      async () => {
        evaluation = (await h.http().get(`/v1/evaluations/${created.body.id}`).set('authorization', auth)).body;
        return evaluation['status'];
      },
      { timeout, interval: 100 },
    )
    .toMatch(/completed|failed/);
  return evaluation;
}
