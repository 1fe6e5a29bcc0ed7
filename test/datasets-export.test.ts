import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
let version: { id: string; label_codes: Record<string, string>; stats: { splits: Record<string, { rows: number }> } };
const tricky = [
  'He said "hi", then left',
  'Line one\nline two\ttabbed',
  'Emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'Comma, separated, text',
  'Plain',
];

beforeAll(async () => {
  h = await createHarness();
  await createTask(h, 'reviews', ['positive', 'negative', 'neutral']);
  const rows = Array.from({ length: 60 }, (_, i) => ({
    text: `${tricky[i % tricky.length]} #${i}`,
    label: ['positive', 'negative', 'neutral'][i % 3],
  }));
  const created = await upload(h, '/v1/tasks/reviews/datasets?name=reviews', jsonl(rows));
  const derived = await h
    .http()
    .post(`/v1/dataset-versions/${created.body.version.id}/derive`)
    .set('authorization', bearer(ADMIN_KEY))
    .send({ operations: [{ op: 'split', train: 0.6, validation: 0.2, test: 0.2 }] });
  version = derived.body;
});
afterAll(async () => {
  await h?.close();
});

const exportOf = (query: string) =>
  h
    .http()
    .get(`/v1/dataset-versions/${version.id}/export?${query}`)
    .set('authorization', bearer(ADMIN_KEY))
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => done(null, text));
    });

const pairs = (rows: { text: string; label: string | null }[]) =>
  rows.map((row) => `${row.text}\u0000${row.label}`).sort();

describe('export', () => {
  it.each([
    ['jsonl', 'application/jsonl', ''],
    ['openai-chat', 'application/jsonl', ''],
    ['csv', 'text/csv', ''],
  ])('round-trips %s: export then import gives the same examples and labels', async (format, type) => {
    const exported = await exportOf(`format=${format}&split=train`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toContain(type);
    expect(exported.headers['content-disposition']).toContain(`reviews-v2-train.${format}`);
    const reimported = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=roundtrip-${format}`,
      exported.body as string,
      type === 'text/csv' ? 'text/csv' : 'application/jsonl',
    );
    expect(reimported.status).toBe(201);
    const original = await allExamples(h, version.id, '&split=train');
    const back = await allExamples(h, reimported.body.version.id);
    expect(back).toHaveLength(version.stats.splits.train!.rows);
    expect(pairs(back)).toEqual(pairs(original));
  });

  it('round-trips legacy completions through the stored label codes', async () => {
    expect(new Set(Object.values(version.label_codes)).size).toBe(3);
    const exported = await exportOf('format=openai-completions&split=test');
    const first = JSON.parse((exported.body as string).split('\n')[0]!);
    expect(first.prompt.endsWith('\n\n###\n\n')).toBe(true);
    expect(first.completion).toMatch(/^ /);
    const codes = Object.fromEntries(Object.entries(version.label_codes).map(([label, code]) => [code.trim(), label]));
    const reimported = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=roundtrip-completions&label_map=${encodeURIComponent(JSON.stringify(codes))}`,
      exported.body as string,
    );
    expect(reimported.status).toBe(201);
    expect(pairs(await allExamples(h, reimported.body.version.id))).toEqual(
      pairs(await allExamples(h, version.id, '&split=test')),
    );
  });

  it('warns before fine-tuning on a split that is too small', async () => {
    const checks = await h
      .http()
      .get(`/v1/dataset-versions/${version.id}/export-checks?format=openai-chat&split=validation`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(checks.status).toBe(200);
    expect(checks.body.rows).toBe(12);
    expect(checks.body.label_codes).toEqual(version.label_codes);
    expect(checks.body.warnings.map((w: { code: string }) => w.code)).toEqual([]);

    const tiny = await upload(
      h,
      '/v1/tasks/reviews/datasets?name=tiny',
      jsonl([{ text: 'a', label: 'positive' }, { text: 'b' }]),
    );
    const tinyChecks = await h
      .http()
      .get(`/v1/dataset-versions/${tiny.body.version.id}/export-checks?format=openai-chat`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(tinyChecks.body.warnings.map((w: { code: string }) => w.code)).toEqual(
      expect.arrayContaining(['too_few_examples', 'unlabeled_rows', 'class_imbalance']),
    );
    const exported = await h
      .http()
      .get(`/v1/dataset-versions/${tiny.body.version.id}/export?format=openai-chat`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(exported.headers['x-tuneline-warnings']).toContain('too_few_examples');
    // The unlabeled row is left out of a fine-tuning export.
    expect(exported.text.trim().split('\n')).toHaveLength(1);
  });

  it('rejects an unknown format or split', async () => {
    const response = await exportOf('format=parquet&split=train');
    expect(response.status).toBe(400);
    const split = await exportOf('format=jsonl&split=holdout');
    expect(split.status).toBe(400);
  });
});
