import { expect } from 'vitest';
import type { OpenAIFake } from '../fakes/openai/index.js';
import type { ScriptInput } from '../fakes/shared/scripting.js';
import { registerModel } from './classify.js';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import type { ResponseJson } from './response-json.js';
import { splitDataset } from './training.js';

/**
 * Two prompt-only models on the OpenAI fake whose every answer and confidence is known from the
 * row's number (the titles end "video number i"), and whose every call reports 100 prompt tokens
 * (fewer than the prompt could hold, so they are billed as reported): gpt-4.1-nano costs 0.01 USD
 * per 1,000 classifications, gpt-4o 0.25.
 *
 * Rows come in "kinds" 0..19 (⌊i / 2⌋ mod 20, so both labels have every kind):
 * - cheap (gpt-4.1-nano): right and sure (0.95) on kinds 0–11, right but unsure (0.6) on 12–15,
 *   wrong and unsure (0.6) on 16–19;
 * - big (gpt-4o): sure (0.9) everywhere, wrong on kinds 0–2 and 19.
 * A cascade cheap ≥ 0.9 → big is wrong on kind 19 only.
 */
export const CHEAP_MODEL = 'gpt-4.1-nano';
export const BIG_MODEL = 'gpt-4o';
export const PROMPT_TOKENS = 100;
export const CHEAP_COST = (PROMPT_TOKENS * 0.1) / 1e6;
export const BIG_COST = (PROMPT_TOKENS * 2.5) / 1e6;

const auth = bearer(ADMIN_KEY);

export const rowNumber = (text: string): number => Number(/video number (\d+)/.exec(text)![1]);
export const truthOf = (i: number) => (i % 2 ? 'instructional' : 'other');
const otherLabel = (i: number) => (i % 2 ? 'other' : 'instructional');
const kindOf = (i: number) => Math.floor(i / 2) % 20;

/** What a model answers row i, and how sure it is. */
export function scripted(model: string, i: number): { label: string; confidence: number } {
  const k = kindOf(i);
  if (model === CHEAP_MODEL) {
    if (k < 12) return { label: truthOf(i), confidence: 0.95 };
    return { label: k < 16 ? truthOf(i) : otherLabel(i), confidence: 0.6 };
  }
  return { label: k <= 2 || k === 19 ? otherLabel(i) : truthOf(i), confidence: 0.9 };
}

export function scriptModels(fake: OpenAIFake): void {
  fake.script((input: ScriptInput) => {
    const { label, confidence } = scripted(input.model, rowNumber(input.userText));
    const other = label === 'other' ? 'instructional' : 'other';
    return { answer: label, distribution: { [label]: confidence, [other]: 1 - confidence } };
  });
  fake.configure({ faults: { usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 0 } } });
}

export async function evaluateOn(h: Harness, modelId: string, versionId: string, split: string): Promise<ResponseJson> {
  const created = await h
    .http()
    .post('/v1/evaluations')
    .set('authorization', auth)
    .send({ model_version_id: modelId, dataset_version_id: versionId, split });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  // A plain loop, not expect.poll: this also runs in beforeAll.
  let evaluation: ResponseJson = created.body;
  for (let waited = 0; !['completed', 'failed'].includes(evaluation['status']) && waited < 30_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    evaluation = (await h.http().get(`/v1/evaluations/${created.body.id}`).set('authorization', auth)).body;
  }
  expect(evaluation['status'], JSON.stringify(evaluation['error'])).toBe('completed');
  return evaluation;
}

/** The row numbers of an evaluation's rows, in seq order. */
export async function rowNumbersOf(h: Harness, evaluationId: string): Promise<number[]> {
  const page = await h.http().get(`/v1/evaluations/${evaluationId}/predictions?limit=1000`).set('authorization', auth);
  expect(page.status).toBe(200);
  return (page.body.data as { text: string }[]).map((row) => rowNumber(row.text));
}

export interface CascadeTask {
  version: string;
  cheap: string;
  big: string;
  /** Their evaluations by split. */
  evaluations: Record<'validation' | 'test', { cheap: ResponseJson; big: ResponseJson }>;
}

/** A task of 200 titles (30 validation, 30 test rows), both models evaluated on both splits, nothing promoted. */
export async function cascadeTask(h: Harness, fake: OpenAIFake, slug: string): Promise<CascadeTask> {
  scriptModels(fake);
  const version = await splitDataset(h, slug, 200);
  // Nothing is promoted while the stages are evaluated; each test sets the policy it needs.
  await h
    .http()
    .patch(`/v1/tasks/${slug}/routing`)
    .set('authorization', auth)
    .send({ auto_promote: false })
    .expect(200);
  const cheap = await registerModel(h, slug, { kind: 'prompt', provider: 'openai', model: CHEAP_MODEL, name: 'cheap' });
  const big = await registerModel(h, slug, { kind: 'prompt', provider: 'openai', model: BIG_MODEL, name: 'big' });
  const evaluations = {} as CascadeTask['evaluations'];
  for (const split of ['validation', 'test'] as const) {
    const [cheapEvaluation, bigEvaluation] = await Promise.all([
      evaluateOn(h, cheap, version, split),
      evaluateOn(h, big, version, split),
    ]);
    evaluations[split] = { cheap: cheapEvaluation, big: bigEvaluation };
  }
  return { version, cheap, big, evaluations };
}

/** Accuracy and macro-F1 of two-label predictions, worked out the long way. */
export function scoresOf(rows: { truth: string; predicted: string | null }[], labels = ['instructional', 'other']) {
  const f1s = labels.map((label) => {
    const tp = rows.filter((row) => row.predicted === label && row.truth === label).length;
    const predicted = rows.filter((row) => row.predicted === label).length;
    const actual = rows.filter((row) => row.truth === label).length;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = actual === 0 ? 0 : tp / actual;
    return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  });
  return {
    accuracy: rows.filter((row) => row.predicted === row.truth).length / rows.length,
    macroF1: f1s.reduce((a, b) => a + b, 0) / f1s.length,
  };
}

/** The exact two-sided McNemar p-value, min(1, 2 · P(X ≤ min(b, c))), X ~ Binomial(b + c, ½). */
export function mcnemarP(b: number, c: number): number {
  const n = b + c;
  let choose = 1;
  let tail = 0;
  for (let k = 0; k <= Math.min(b, c); k++) {
    tail += choose;
    choose = (choose * (n - k)) / (k + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}
