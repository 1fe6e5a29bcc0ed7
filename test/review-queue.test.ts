import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { startRun, waitForRun } from './helpers/label-runs.js';
import { TITLE_LABELS, TITLE_WORDS } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
const auth = bearer(ADMIN_KEY);

// 60 titles whose words give the label away; three of them carry the wrong label.
const FLIPPED = [3, 10, 17];
const rows = Array.from({ length: 60 }, (_, i) => {
  const label = i % 2 ? 'instructional' : 'other';
  const pool = TITLE_WORDS[label as keyof typeof TITLE_WORDS];
  const given = FLIPPED.includes(i) ? (label === 'other' ? 'instructional' : 'other') : label;
  return {
    text: `${pool[i % pool.length]} ${pool[(i * 7 + 3) % pool.length]} video number ${i}`,
    label: given,
    truth: label,
  };
});

interface Item {
  example_id: string;
  text: string;
  current_label: string;
  label_source: string;
  llm_label: string | null;
  llm_confidence: number | null;
  suggested_label: string | null;
  score: number;
  reasons: string[];
}

beforeAll(async () => {
  fake = await startOpenAIFake();
  h = await createHarness({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url });
  workers = await startWorkers(h, ['labeling'], 4);
  await createTask(h, 'titles', TITLE_LABELS);
  version = (
    await upload(h, '/v1/tasks/titles/datasets?name=titles', jsonl(rows.map(({ text, label }) => ({ text, label }))))
  ).body.version.id;
  fake.script({
    rules: TITLE_WORDS.instructional.map((word) => ({ contains: word, answer: 'instructional' })),
    default: 'other',
  });
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const queue = async (query = '') => {
  const response = await h
    .http()
    .get(`/v1/dataset-versions/${version}/review-queue?${query}`)
    .set('authorization', auth);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { data: Item[]; next_cursor: string | null; cross_validation: Record<string, unknown> };
};

describe('review queue', () => {
  it('finds the mislabeled rows by out-of-fold disagreement of the local model alone', async () => {
    const page = await queue('limit=3');
    expect(page.cross_validation).toMatchObject({ status: 'ran', folds: 5, rows: 60 });
    expect(page.data.map((item) => item.text).sort()).toEqual(FLIPPED.map((i) => rows[i]!.text).sort());
    for (const item of page.data) {
      expect(item.reasons).toEqual(['out_of_fold_disagrees']);
      expect(item.suggested_label).toBe(rows.find((row) => row.text === item.text)!.truth);
      expect(item.score).toBeGreaterThan(0.5);
      expect(item.llm_label).toBeNull();
      expect(item.label_source).toBe('import');
    }
  });

  it('adds the LLM’s disagreement once a label run answered the rows, with filters and pages', async () => {
    const run = await waitForRun(
      h,
      (await startRun(h, version, { provider: 'openai', model: 'gpt-4o-mini', only_unlabeled: false })).id,
    );
    expect(run.status).toBe('completed');
    const all = await queue('limit=100');
    const top = all.data.slice(0, 3);
    expect(top.map((item) => item.text).sort()).toEqual(FLIPPED.map((i) => rows[i]!.text).sort());
    for (const item of top) {
      expect(item.reasons).toEqual(['llm_disagrees', 'low_llm_confidence', 'out_of_fold_disagrees']);
      expect(item.llm_label).toBe(item.suggested_label);
      // The LLM gives its answer 0.9, so at most 0.1 to the current label.
      expect(item.llm_confidence).toBeCloseTo(0.1, 2);
      // The strongest witness: at least the LLM's 0.9 (the local model may be surer still).
      expect(item.score).toBeGreaterThanOrEqual(0.89);
    }
    expect(all.data.map((item) => item.score)).toEqual([...all.data.map((item) => item.score)].sort((a, b) => b - a));

    const llmOnly = await queue('reason=llm_disagrees');
    expect(llmOnly.data).toHaveLength(3);
    const other = await queue('label=other&limit=100');
    expect(other.data.every((item) => item.current_label === 'other')).toBe(true);
    const strong = await queue(`min_score=0.85&limit=100`);
    expect(strong.data.every((item) => item.score >= 0.85)).toBe(true);

    const first = await queue('limit=1');
    const second = await queue(`limit=2&cursor=${first.next_cursor}`);
    expect([...first.data, ...second.data].map((item) => item.example_id)).toEqual(top.map((item) => item.example_id));
  });

  it('ranks on the LLM alone when asked not to cross-validate', async () => {
    const page = await queue('cross_validation=false&limit=100');
    expect(page.cross_validation).toMatchObject({ status: 'skipped', reason: 'not asked' });
    expect(page.data.every((item) => !item.reasons.includes('out_of_fold_disagrees'))).toBe(true);
    expect(page.data.slice(0, 3).every((item) => item.reasons.includes('llm_disagrees'))).toBe(true);
  });

  it('answers 404 for a version that does not exist and 400 for an unknown reason', async () => {
    const missing = await h
      .http()
      .get('/v1/dataset-versions/01930000-0000-7000-8000-000000000000/review-queue')
      .set('authorization', auth);
    expect(missing.status).toBe(404);
    const bad = await h
      .http()
      .get(`/v1/dataset-versions/${version}/review-queue?reason=vibes`)
      .set('authorization', auth);
    expect(bad.status).toBe(400);
  });
});
