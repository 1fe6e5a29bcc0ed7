import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, listen, screenshot, signedIn, readOnlyKey } from '../helpers/console-browser.js';
import { allExamples, createTask, jsonl, upload } from '../helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from '../helpers/harness.js';
import { TITLE_LABELS, TITLE_WORDS } from '../helpers/training.js';

let h: Harness;
let browser: Browser;
let baseUrl: string;
let readKey: string;
let imported: string;
let version: string;
const auth = bearer(ADMIN_KEY);

interface Item {
  example_id: string;
  text: string;
  current_label: string;
  label_source: string | null;
}

// Titles whose words give the label away; three carry the wrong label, so the queue ranks them first.
const FLIPPED = [3, 10, 17];
const rows = [
  ...Array.from({ length: 60 }, (_, i) => {
    const label = i % 2 ? 'instructional' : 'other';
    const pool = TITLE_WORDS[label as keyof typeof TITLE_WORDS];
    const given = FLIPPED.includes(i) ? (label === 'other' ? 'instructional' : 'other') : label;
    return { text: `${pool[i % pool.length]} ${pool[(i * 7 + 3) % pool.length]} video number ${i}`, label: given };
  }),
  // Unlabeled rows, which a fine-tuning export leaves out with a warning.
  { text: 'an untitled upload' },
  { text: 'another untitled upload' },
];

const get = (path: string) => h.http().get(path).set('authorization', auth);
const queue = async () => {
  const response = await get(`/v1/dataset-versions/${version}/review-queue?limit=50`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.data as Item[];
};
/** The digit that picks `label` on the review page: labels are numbered in the task's order from 1. */
const digitFor = (label: string) => String(TITLE_LABELS.indexOf(label) + 1);
const otherLabel = (label: string) => TITLE_LABELS.find((candidate) => candidate !== label)!;

beforeAll(async () => {
  h = await createHarness();
  baseUrl = await listen(h);
  browser = await launchBrowser();
  await createTask(h, 'titles', TITLE_LABELS);
  const response = await upload(h, '/v1/tasks/titles/datasets?name=titles', jsonl(rows));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  imported = response.body.version.id;
  const split = await h
    .http()
    .post(`/v1/dataset-versions/${imported}/derive`)
    .set('authorization', auth)
    .send({ operations: [{ op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 3 }] });
  expect(split.status, JSON.stringify(split.body)).toBe(201);
  version = split.body.id;
  // The first queue request cross-validates a local model (then cached for the version); do it before the browser waits.
  expect((await queue()).length).toBeGreaterThanOrEqual(3);
  readKey = await readOnlyKey(h);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();

describe('console: dataset versions and review', () => {
  it('reviews rows with the keyboard and submits one review that makes a new version with those labels', async () => {
    const items = await queue();
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/dataset-versions/${version}/review`);
    await page.getByTestId('row-2').waitFor();
    // The page shows the queue in the API's order.
    for (const index of [0, 1, 2])
      expect(await page.getByTestId(`row-${index}`).getAttribute('data-example-id')).toBe(items[index]!.example_id);
    await expect(text(page, 'shortcut-legend')).resolves.toContain('set “instructional”');

    const decision = (index: number) => page.getByTestId(`row-${index}`).getByTestId('decision');
    const [first, second, third] = items as [Item, Item, Item];
    await page.keyboard.press('j');
    await expect.poll(() => page.getByTestId('row-1').getAttribute('aria-current')).toBe('true');
    await page.keyboard.press('k');
    await expect.poll(() => page.getByTestId('row-0').getAttribute('aria-current')).toBe('true');
    await page.keyboard.press(digitFor(otherLabel(first.current_label))); // row 0 changed, on to row 1
    await page.keyboard.press(digitFor(first.current_label)); // row 1 decided (by mistake), on to row 2 …
    await expect.poll(() => decision(1).count()).toBe(1);
    await page.keyboard.press('ArrowUp'); // … back to row 1,
    await page.keyboard.press('u'); // undone,
    await expect.poll(() => decision(1).count()).toBe(0);
    await page.keyboard.press(digitFor(otherLabel(second.current_label))); // row 1 changed, on to row 2
    await page.keyboard.press('a'); // row 2 accepted

    await expect.poll(() => decision(0).textContent()).toBe(`→ ${otherLabel(first.current_label)}`);
    await expect.poll(() => decision(1).textContent()).toBe(`→ ${otherLabel(second.current_label)}`);
    await expect.poll(() => decision(2).textContent()).toBe('✓ accepted');
    await expect.poll(() => text(page, 'submit-review')).toBe('Submit review (2 changes)');
    await expect(text(page, 'review-summary')).resolves.toContain('2 changed · 1 accepted');
    await screenshot(page, 'review');

    await page.getByTestId('submit-review').click();
    const link = page.getByTestId('review-result').getByRole('link', { name: /version #3/ });
    await link.waitFor();
    const created = (await link.getAttribute('data-version-id'))!;

    const next = await get(`/v1/dataset-versions/${created}`);
    expect(next.body).toMatchObject({ parent_id: version, operation: 'review', params: { overrides: 3 } });
    const before = new Map((await allExamples(h, version)).map((row) => [row.example_id, row]));
    const after = await allExamples(h, created);
    expect(after).toHaveLength(before.size);
    const expected = new Map([
      [first.example_id, otherLabel(first.current_label)],
      [second.example_id, otherLabel(second.current_label)],
      [third.example_id, third.current_label],
    ]);
    for (const row of after) {
      const old = before.get(row.example_id)!;
      if (expected.has(row.example_id)) {
        // Changed and accepted rows alike are now a person's decision.
        expect([row.label, row.label_source]).toEqual([expected.get(row.example_id), 'human']);
      } else {
        expect([row.label, row.label_source]).toEqual([old.label, old.label_source]);
      }
    }
    await page.context().close();
  });

  it('shows a version’s lineage, label counts per split and export warnings as the API gives them', async () => {
    const [shown, checks] = await Promise.all([
      get(`/v1/dataset-versions/${version}`),
      get(`/v1/dataset-versions/${version}/export-checks?format=openai-chat`),
    ]);
    const { stats } = shown.body;
    // Two unlabeled rows at least; otherwise this test would compare an empty list with an empty list.
    expect(checks.body.warnings.map((warning: { code: string }) => warning.code)).toContain('unlabeled_rows');

    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/dataset-versions/${version}`);
    await page.getByTestId('label-distribution').waitFor();
    await expect.poll(() => text(page, 'parent-chain')).toMatch(/#1 import.*#2 derive split/);
    for (const split of ['train', 'validation', 'test'] as const) {
      for (const label of TITLE_LABELS) {
        const expected = stats.splits[split].label_distribution[label] ?? 0;
        expect(expected, `${label} in ${split}`).toBeGreaterThan(0);
        await expect(text(page, `count-${split}-${label}`)).resolves.toBe(String(expected));
      }
    }
    for (const label of TITLE_LABELS)
      await expect(text(page, `count-all-${label}`)).resolves.toBe(String(stats.label_distribution[label]));

    await page.getByTestId('export-warnings').waitFor();
    const warnings = page.getByTestId('export-warnings').getByRole('listitem');
    await expect.poll(() => warnings.count()).toBe(checks.body.warnings.length);
    for (const [index, warning] of (checks.body.warnings as { code: string; message: string }[]).entries())
      await expect(warnings.nth(index).textContent()).resolves.toBe(`${warning.code}${warning.message}`);
    await expect(text(page, 'export-rows')).resolves.toContain(`${checks.body.rows} rows`);

    // Another format asks the API again.
    const csv = await get(`/v1/dataset-versions/${version}/export-checks?format=csv`);
    await page.getByTestId('export-checks').getByLabel('Format').selectOption('csv');
    await expect.poll(() => text(page, 'export-rows')).toContain(`${csv.body.rows} rows would be exported as csv`);
    await page.getByTestId('export-checks').getByLabel('Format').selectOption('openai-chat');
    await expect.poll(() => warnings.count()).toBe(checks.body.warnings.length);
    await screenshot(page, 'dataset-version');

    await page.getByTestId('review-link').click();
    await page.getByTestId('row-0').waitFor();
    expect(page.url()).toBe(`${baseUrl}/console/dataset-versions/${version}/review`);
    await page.context().close();
  });

  it('lists the task’s datasets with every version under the one it was made from', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, '/console/tasks/titles/datasets');
    const lineage = page.getByTestId('dataset-titles').getByTestId('lineage');
    await lineage.waitFor();
    const listed = await get(`/v1/datasets/${(await get(`/v1/dataset-versions/${version}`)).body.dataset_id}/versions`);
    await expect.poll(() => lineage.locator('tbody tr').count()).toBe(listed.body.data.length);
    await expect(lineage.getByTestId('version-1').textContent()).resolves.toMatch(/^#1import/);
    await expect(lineage.getByTestId('version-2').textContent()).resolves.toMatch(/^└ #2derive split#1/);
    await expect(lineage.getByTestId('version-2').textContent()).resolves.toContain(String(rows.length));
    await lineage.getByRole('link', { name: '#2' }).click();
    await expect.poll(() => page.url()).toBe(`${baseUrl}/console/dataset-versions/${version}`);
    await page.context().close();
  });

  it('shows a read-only key the queue but no way to submit or decide', async () => {
    const page = await signedIn(browser, baseUrl, readKey, `/console/dataset-versions/${version}/review`);
    await page.getByTestId('row-0').waitFor();
    await expect(text(page, 'read-only')).resolves.toContain('write scope');
    await page.keyboard.press('1');
    expect(await page.getByTestId('submit-review').count()).toBe(0);
    expect(await page.getByTestId('decision').count()).toBe(0);
    expect(await page.getByTestId('row-0').getByRole('button').count()).toBe(0);
    await page.context().close();
  });
});
