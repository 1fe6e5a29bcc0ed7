import { expect } from 'vitest';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { ResponseJson } from './response-json.js';

export type Run = ResponseJson & { id: string; status: string };

export async function startRun(h: Harness, versionId: string, body: Record<string, unknown>): Promise<Run> {
  const response = await h
    .http()
    .post(`/v1/dataset-versions/${versionId}/label-runs`)
    .set('authorization', bearer(ADMIN_KEY))
    .send(body);
  if (response.status !== 202) throw new Error(`label run: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export const getRun = async (h: Harness, id: string): Promise<Run> =>
  (await h.http().get(`/v1/label-runs/${id}`).set('authorization', bearer(ADMIN_KEY))).body;

/** Polls until the run ends and returns it. */
export async function waitForRun(h: Harness, id: string, timeout = 30_000): Promise<Run> {
  let run: Run = { id, status: 'queued' };
  await expect
    .poll(
      async () => {
        run = await getRun(h, id);
        return run.status;
      },
      { timeout, interval: 100 },
    )
    .toMatch(/completed|failed|cancelled/);
  return run;
}
