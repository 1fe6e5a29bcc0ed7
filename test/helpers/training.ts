import { expect } from 'vitest';
import { createTask, jsonl, upload } from './datasets.js';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { ResponseJson } from './response-json.js';

export const TITLE_LABELS = ['instructional', 'other'];
/** Words that make a video title one label or the other. */
export const TITLE_WORDS = {
  instructional: ['how to', 'tutorial', 'drill', 'technique', 'step by step', 'breakdown'],
  other: ['full match', 'vlog', 'podcast', 'highlights', 'interview', 'news'],
};

export type SplitFractions = { train: number; validation: number; test: number };
/** Seed 002's split: train and validation, no test split (so no automatic evaluation). */
export const NO_TEST_SPLIT: SplitFractions = { train: 0.85, validation: 0.15, test: 0 };

/** A task with a split dataset version of `size` labeled titles; returns the split version's id. */
export async function splitDataset(
  h: Harness,
  slug: string,
  size = 60,
  fractions: SplitFractions = { train: 0.7, validation: 0.15, test: 0.15 },
): Promise<string> {
  await createTask(h, slug, TITLE_LABELS);
  const rows = Array.from({ length: size }, (_, i) => {
    const label = i % 2 ? 'instructional' : 'other';
    const pool = TITLE_WORDS[label as keyof typeof TITLE_WORDS];
    return { text: `${pool[i % pool.length]} ${pool[(i * 7 + 3) % pool.length]} video number ${i}`, label };
  });
  const imported = await upload(h, `/v1/tasks/${slug}/datasets?name=${slug}`, jsonl(rows));
  const split = await h
    .http()
    .post(`/v1/dataset-versions/${imported.body.version.id}/derive`)
    .set('authorization', bearer(ADMIN_KEY))
    .send({ operations: [{ op: 'split', ...fractions }] });
  return split.body.id;
}

export const createFineTune = (h: Harness, task: string, body: Record<string, unknown>) =>
  h.http().post(`/v1/tasks/${task}/fine-tunes`).set('authorization', bearer(ADMIN_KEY)).send(body);

export const getFineTune = async (h: Harness, id: string) =>
  (await h.http().get(`/v1/fine-tunes/${id}`).set('authorization', bearer(ADMIN_KEY))).body as ResponseJson;

export async function waitForFineTune(h: Harness, id: string, timeout = 30_000) {
  let fineTune: ResponseJson = {};
  await expect
    .poll(
      async () => {
        fineTune = await getFineTune(h, id);
        return fineTune['status'];
      },
      { timeout, interval: 100 },
    )
    .toMatch(/succeeded|failed|cancelled|refused/);
  return fineTune;
}

/** Model versions registered from a fine-tune (registration happens once, whatever retried). */
export const modelVersionsOf = async (h: Harness, fineTuneId: string): Promise<number> =>
  (
    await h.runtime.database.pool.query(
      'SELECT count(*)::int AS n FROM model_versions WHERE source_fine_tune_id = $1',
      [fineTuneId],
    )
  ).rows[0].n;

/** A succeeded fine-tune once its automatic evaluation is decided (a step after the success). */
export async function waitForAutoEvaluation(h: Harness, id: string, timeout = 15_000) {
  let fineTune: ResponseJson = {};
  await expect
    .poll(
      async () => {
        fineTune = await getFineTune(h, id);
        return fineTune['auto_evaluation'];
      },
      { timeout, interval: 100 },
    )
    .not.toBeNull();
  return fineTune;
}
