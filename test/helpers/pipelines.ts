import { expect } from 'vitest';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { ResponseJson } from './response-json.js';

export type Step = {
  name: string;
  status: string;
  error: string | null;
  outputs: ResponseJson;
  attempts: number;
  duration_ms: number | null;
  cost_usd: number | null;
};
export type PipelineBody = {
  id: string;
  status: string;
  error: string | null;
  attempt: number;
  steps: Step[];
  cost_usd: number;
};

export const getPipeline = async (h: Harness, id: string): Promise<PipelineBody> =>
  (await h.http().get(`/v1/pipelines/${id}`).set('authorization', bearer(ADMIN_KEY))).body;

/** Polls until the pipeline is no longer running and returns it. */
export async function waitForPipeline(h: Harness, id: string, timeout = 60_000): Promise<PipelineBody> {
  let body = {} as PipelineBody;
  await expect
    .poll(
      async () => {
        body = await getPipeline(h, id);
        return body.status;
      },
      { timeout, interval: 200 },
    )
    .not.toBe('running');
  return body;
}

export const stepOf = (pipeline: PipelineBody, name: string) =>
  pipeline.steps.find((candidate) => candidate.name === name)!;
