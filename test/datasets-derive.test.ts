import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
let base: { id: string; content_hash: string };
const LABELS = ['billing', 'bug', 'feature', 'other'];

beforeAll(async () => {
  h = await createHarness();
  await createTask(h, 'tickets', LABELS);
  const rows = Array.from({ length: 200 }, (_, i) => ({
    text: `Ticket ${i}: ${['refund please', 'app crashes', 'add dark mode', 'hello there'][i % 4]}`,
    label: LABELS[i % 4],
  }));
  rows.push({ text: 'Ticket 0: refund please', label: 'billing' }); // exact duplicate
  rows.push({ text: '  TICKET 1:   app   crashes ', label: 'bug' }); // normalised duplicate
  rows.push({ text: 'See https://example.com/x and mail me@example.com @agent ```stack trace``` ok 😀', label: 'bug' });
  rows.push({ text: 'Unlabeled one' } as never);
  const response = await upload(h, '/v1/tasks/tickets/datasets?name=tickets', jsonl(rows));
  expect(response.status).toBe(201);
  base = response.body.version;
});
afterAll(async () => {
  await h?.close();
});

const derive = (versionId: string, operations: object[]) =>
  h
    .http()
    .post(`/v1/dataset-versions/${versionId}/derive`)
    .set('authorization', bearer(ADMIN_KEY))
    .send({ operations });

const prepare = [
  { op: 'dedupe', mode: 'normalized' },
  { op: 'clean' },
  { op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 7 },
];

describe('derive', () => {
  it('applies operations in order and records them, their report and the parent', async () => {
    const response = await derive(base.id, prepare);
    expect(response.status).toBe(201);
    const version = response.body;
    expect(version).toMatchObject({ number: 2, parent_id: base.id, operation: 'derive', row_count: 202 });
    expect(version.params.operations.map((o: { op: string }) => o.op)).toEqual(['dedupe', 'clean', 'split']);
    expect(version.report.operations[0]).toMatchObject({ op: 'dedupe', rows_before: 204, rows_after: 202 });
    expect(version.stats.duplicate_count).toBe(0);
    expect(version.stats.splits.unassigned.rows).toBe(0);

    const rows = await allExamples(h, version.id);
    const cleaned = rows.find((row) => row.text.startsWith('See'));
    expect(cleaned?.text).toBe('See and mail ok 😀');
  });

  it('is deterministic: the same parent, operations and seed give the same content hash', async () => {
    const first = await derive(base.id, prepare);
    const second = await derive(base.id, prepare);
    expect(first.body.content_hash).toBe(second.body.content_hash);
    expect(first.body.id).not.toBe(second.body.id);
    const otherSeed = await derive(base.id, [...prepare.slice(0, 2), { ...prepare[2], seed: 8 }]);
    expect(otherSeed.body.content_hash).not.toBe(first.body.content_hash);
  });

  it('stratifies: every label appears in every split', async () => {
    const version = (await derive(base.id, prepare)).body;
    for (const split of ['train', 'validation', 'test']) {
      for (const label of LABELS)
        expect(version.stats.splits[split].label_distribution[label], `${label} in ${split}`).toBeGreaterThan(0);
    }
    const { train, validation, test } = version.stats.splits;
    expect(train.rows + validation.rows + test.rows).toBe(202);
    expect(Math.abs(train.rows - 0.7 * 202)).toBeLessThanOrEqual(LABELS.length + 1);
  });

  it('filters examples by split, label and label source, with pagination', async () => {
    const version = (await derive(base.id, prepare)).body;
    const test = await allExamples(h, version.id, '&split=test');
    expect(test).toHaveLength(version.stats.splits.test.rows);
    expect(test.every((row) => row.split === 'test')).toBe(true);
    const bugs = await allExamples(h, version.id, '&label=bug');
    expect(bugs).toHaveLength(version.stats.label_distribution.bug);
    const unlabeled = await allExamples(h, version.id, '&label_source=none');
    expect(unlabeled.map((row) => row.text)).toEqual(['Unlabeled one']);
  });

  it('relabels, samples and filters', async () => {
    const relabeled = await derive(base.id, [{ op: 'relabel', map: { feature: 'other' } }]);
    expect(relabeled.body.stats.label_distribution.feature).toBeUndefined();
    const sampled = await derive(base.id, [
      { op: 'filter', drop_unlabeled: true },
      { op: 'sample', max_per_label: 10, seed: 1 },
    ]);
    expect(sampled.body.stats.label_distribution).toEqual({ billing: 10, bug: 10, feature: 10, other: 10 });
    const filtered = await derive(base.id, [{ op: 'filter', include_labels: ['bug'] }]);
    expect(Object.keys(filtered.body.stats.label_distribution)).toEqual(['bug']);
  });

  it('samples half of each split by fraction, stratified, keeping the test split exactly as it was', async () => {
    const split = (await derive(base.id, prepare)).body;
    const halved = await derive(split.id, [{ op: 'sample', fraction: 0.5, within_splits: true, seed: 5 }]);
    expect(halved.status).toBe(201);
    const before = split.stats.splits;
    const after = halved.body.stats.splits;
    expect(after.test).toEqual(before.test);
    for (const name of ['train', 'validation'])
      for (const label of LABELS)
        expect(after[name].label_distribution[label], `${label} in ${name}`).toBe(
          Math.max(1, Math.round(before[name].label_distribution[label] * 0.5)),
        );
    expect(halved.body.report.operations[0]).toMatchObject({
      op: 'sample',
      details: { kept_splits: 'test', kept_unchanged: before.test.rows },
    });
    const testIds = async (id: string) => (await allExamples(h, id, '&split=test')).map((row) => row.example_id);
    expect(await testIds(halved.body.id)).toEqual(await testIds(split.id));

    const everySplit = await derive(split.id, [
      { op: 'sample', fraction: 0.5, within_splits: true, keep_splits: [], seed: 5 },
    ]);
    expect(everySplit.body.stats.splits.test.rows).toBeLessThan(before.test.rows);

    const bad = await derive(split.id, [{ op: 'sample', fraction: 0.5, keep_splits: ['test'] }]);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toEqual({
      field: 'body.operations[0].keep_splits',
      message: 'keep_splits needs within_splits: true',
    });
    const zero = await derive(split.id, [{ op: 'sample', fraction: 0 }]);
    expect(zero.status).toBe(400);
    expect(zero.body.errors[0].field).toBe('body.operations[0].fraction');
  });

  it('cleans keeping the \\n\\n between messages, unless collapse_paragraphs', async () => {
    const chats = await upload(
      h,
      '/v1/tasks/tickets/datasets?name=chats',
      jsonl([{ text: 'hi  there\nstill me\n\n\n\nsee https://x.io\n\nthanks', label: 'other' }]),
    );
    const kept = await derive(chats.body.version.id, [{ op: 'clean' }]);
    expect((await allExamples(h, kept.body.id)).map((row) => row.text)).toEqual(['hi there still me\n\nsee\n\nthanks']);
    const merged = await derive(chats.body.version.id, [{ op: 'clean', collapse_paragraphs: true }]);
    expect((await allExamples(h, merged.body.id)).map((row) => row.text)).toEqual(['hi there still me see thanks']);
  });

  it('rejects invalid operations with the field that is wrong, creating nothing', async () => {
    const before = (await h.http().get(`/v1/datasets/${base.id}`).set('authorization', bearer(ADMIN_KEY))).status;
    expect(before).toBe(404); // a version id is not a dataset id

    const sum = await derive(base.id, [{ op: 'dedupe' }, { op: 'split', train: 0.5, validation: 0.2, test: 0.2 }]);
    expect(sum.status).toBe(400);
    expect(sum.body.errors[0].field).toMatch(/^body\.operations\[1\]/);

    const label = await derive(base.id, [{ op: 'relabel', map: { bug: 'defect' } }]);
    expect(label.status).toBe(400);
    expect(label.body.errors[0].field).toBe('body.operations[0].map.bug');

    const unknown = await derive(base.id, [{ op: 'shuffle' }]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.operations[0]');

    const missing = await derive(base.id, [{ op: 'split', train: 0.8 }]);
    expect(missing.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.operations[0].test',
      'body.operations[0].validation',
    ]);
    expect((await derive('01a20640-24e4-7327-b61a-aa8e446cf75a', [{ op: 'dedupe' }])).status).toBe(404);
  });
});

describe('review', () => {
  it('overrides labels in bulk; the examples carry label source human', async () => {
    const rows = await allExamples(h, base.id);
    const target = rows.find((row) => row.text === 'Unlabeled one')!;
    const crash = rows.find((row) => row.text === 'Ticket 1: app crashes')!;
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${base.id}/reviews`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({
        overrides: [
          { example_id: target.example_id, label: 'other' },
          { example_id: crash.example_id, label: 'feature' },
        ],
      });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ operation: 'review', parent_id: base.id });
    expect(response.body.stats.label_sources.human).toBe(2);
    const reviewed = await allExamples(h, response.body.id, '&label_source=human');
    expect(reviewed.map((row) => [row.text, row.label])).toEqual([
      ['Ticket 1: app crashes', 'feature'],
      ['Unlabeled one', 'other'],
    ]);
  });

  it('rejects unknown examples and labels', async () => {
    const response = await h
      .http()
      .post(`/v1/dataset-versions/${base.id}/reviews`)
      .set('authorization', bearer(ADMIN_KEY))
      .send({ overrides: [{ example_id: 'a'.repeat(64), label: 'nope' }] });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.overrides[0].example_id',
      'body.overrides[0].label',
    ]);
  });

  it('derives once for code that retries: the same parent and operations give the same version', async () => {
    const { datasets } = h.runtime.services;
    const operations = [{ op: 'sample' as const, max_per_label: 5, seed: 9 }];
    const first = await datasets.deriveOnce(base.id, operations);
    const again = await datasets.deriveOnce(base.id, operations);
    expect(again.id).toBe(first.id);
    const other = await datasets.deriveOnce(base.id, [{ op: 'sample' as const, max_per_label: 6, seed: 9 }]);
    expect(other.id).not.toBe(first.id);
  });
});
