import { startOpenAIFake, type OpenAIFake } from '../fakes/openai/index.js';
import { startTogetherFake, type TogetherFake } from '../fakes/together/index.js';
import { expect } from 'vitest';
import { registerModel } from './classify.js';
import { createTask, jsonl, upload } from './datasets.js';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { ResponseJson } from './response-json.js';
import { TITLE_WORDS } from './training.js';

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

/**
 * The task most pipeline tests start from: `titles` with 240 titles, the last 40 unlabeled (so a
 * pipeline labels them first), and a local prompt-only model as its fallback, which a promotion
 * must beat on at least 20 test rows.
 */
export async function seedTitlesTask(h: Harness): Promise<{ source: string; baseline: string }> {
  await createTask(h, 'titles', ['instructional', 'other']);
  const rows = Array.from({ length: 240 }, (_, i) => {
    const label = i % 2 ? 'instructional' : 'other';
    const pool = TITLE_WORDS[label];
    return {
      text: `${pool[i % pool.length]} ${pool[(i * 7 + 3) % pool.length]} video ${i}`,
      ...(i < 200 ? { label } : {}),
    };
  });
  const source = (await upload(h, '/v1/tasks/titles/datasets?name=titles', jsonl(rows))).body.version.id as string;
  const baseline = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'prompt-only' });
  await h
    .http()
    .patch('/v1/tasks/titles/routing')
    .set('authorization', bearer(ADMIN_KEY))
    .send({ fallback_model_version_id: baseline, min_test_size: 20 })
    .expect(200);
  return { source, baseline };
}

/**
 * An OpenAI fake whose models answer "other" for everything and a Together fake whose models know
 * the titles (fine-tunes served serverless), both with short job timings: a pipeline with
 * candidates on both connections promotes the Together one.
 */
export async function startTitleFakes(): Promise<{ openai: OpenAIFake; together: TogetherFake }> {
  const openai = await startOpenAIFake({
    script: { rules: [], default: 'other' },
    jobTiming: { validatingMs: 20, queuedMs: 20, runningMs: 100 },
  });
  const together = await startTogetherFake({
    servingRequiresEndpoint: false,
    script: {
      rules: TITLE_WORDS.instructional.map((words) => ({ contains: words, answer: 'instructional' })),
      default: 'other',
    },
    jobTiming: { pendingMs: 20, queuedMs: 20, runningMs: 100, compressingMs: 10, uploadingMs: 10, cancellingMs: 10 },
  });
  return { openai, together };
}
