import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, listen, screenshot, signedIn, readOnlyKey } from '../helpers/console-browser.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from '../helpers/harness.js';
import { startRun } from '../helpers/label-runs.js';
import { seedTitlesTask, waitForPipeline } from '../helpers/pipelines.js';
import type { ResponseJson } from '../helpers/response-json.js';

let h: Harness;
let browser: Browser;
let baseUrl: string;
let source: string;
let readKey: string;
let workers: ReturnType<typeof startWorkers> | undefined;
const auth = bearer(ADMIN_KEY);

// Started by the first test that needs them: the label run test opens its page before, so the
// page first shows the run queued and then follows it to the end without a reload.
const ensureWorkers = () => {
  workers ??= startWorkers(h, ['labeling', 'training', 'evaluation', 'pipelines'], 2);
  return workers;
};

const api = async (path: string): Promise<ResponseJson> => {
  const response = await h.http().get(path).set('authorization', auth);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
};

beforeAll(async () => {
  h = await createHarness();
  baseUrl = await listen(h);
  browser = await launchBrowser();
  // Task `titles`: 240 titles, the last 40 unlabeled, and a local prompt-only fallback.
  ({ source } = await seedTitlesTask(h));
  readKey = await readOnlyKey(h);
});
afterAll(async () => {
  await browser?.close();
  await (await workers)?.close();
  await h?.close();
});

describe('console: label runs, fine-tunes and pipelines', () => {
  // Before any worker runs: a queued run stays queued until the page cancels it.
  it('cancels a queued label run with a write key', async () => {
    const run = await startRun(h, source, { provider: 'local', mode: 'zero_shot' });
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/label-runs/${run.id}`);
    const status = page.locator('.job-head').getByTestId('status');
    await expect.poll(() => status.textContent()).toBe('queued');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => status.textContent()).toBe('cancelled');
    expect((await api(`/v1/label-runs/${run.id}`))['status']).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    await page.context().close();
  });

  it('shows the API’s problem for a run that does not exist', async () => {
    const missing = '01a00000-0000-7000-8000-000000000000';
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/label-runs/${missing}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not_found');
    expect(await page.getByRole('alert').textContent()).toContain(missing);
    await page.context().close();
  });

  it('follows a label run live from queued to completed, with the API’s counts', async () => {
    const run = await startRun(h, source, { provider: 'local', mode: 'few_shot', k: 20 });
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/label-runs/${run.id}`);
    const bar = page.getByRole('progressbar', { name: 'Label run progress' });
    const status = page.locator('.job-head').getByTestId('status');
    // No worker yet: the run waits in its queue, and the page says so.
    await expect.poll(() => status.textContent()).toBe('queued');
    expect(await bar.getAttribute('aria-valuenow')).toBe('0');
    expect(await page.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(true);

    await ensureWorkers();
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
    await expect.poll(() => status.textContent()).toBe('completed');
    await expect.poll(() => page.locator('.live-note').textContent()).toBe('ended');

    const finished = await api(`/v1/label-runs/${run.id}`);
    expect(finished).toMatchObject({ status: 'completed', total: 40, done: 40 });
    const figure = (name: string) => page.getByTestId(`figure-${name}`).locator('.card-value').textContent();
    for (const name of ['total', 'labeled', 'unparseable', 'failed', 'skipped'])
      expect(await figure(name), name).toBe(String(finished[name]));
    expect(await figure('cost')).toBe('$0.00');
    expect(await bar.textContent()).toContain(`(${finished['done'] + finished['failed']} / ${finished['total']})`);
    // Ended: nothing to cancel, nothing failed to retry.
    expect(await page.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Retry' }).isDisabled()).toBe(true);
    // Short ids of UUIDv7s made in the same minute look alike: the links are told apart by address.
    const versionLinks = await page
      .locator('p.hint a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(versionLinks).toEqual([
      `/console/dataset-versions/${source}`,
      `/console/dataset-versions/${finished['result_version_id']}`,
    ]);
    await screenshot(page, 'label-run');

    // The task's list finds it through its dataset version, with the same status and progress.
    await page.goto(`${baseUrl}/console/tasks/titles/label-runs`);
    const row = page.getByTestId('label-runs').locator('tr', { has: page.locator(`a[href$="${run.id}"]`) });
    await expect.poll(() => row.getByTestId('status').textContent()).toBe('completed');
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await row.textContent()).toContain('titles v1');
    await page.context().close();
  });

  it('shows a read key the run without cancel or retry', async () => {
    const run = (await api(`/v1/dataset-versions/${source}/label-runs`)).data[0];
    const page = await signedIn(browser, baseUrl, readKey, `/console/label-runs/${run.id}`);
    await expect.poll(() => page.locator('.job-head').getByTestId('status').textContent()).toBe(run.status);
    expect(await page.getByTestId('job-actions').count()).toBe(0);
    await page.context().close();
  });

  it('shows a pipeline’s steps with links to what they made, and the fine-tune it trained', async () => {
    await ensureWorkers();
    const created = await h
      .http()
      .post('/v1/tasks/titles/pipelines')
      .set('authorization', auth)
      .send({
        dataset_version_id: source,
        label: { provider: 'local', mode: 'few_shot', k: 20 },
        candidates: [{ provider: 'local', seed: 7 }],
      });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, `/console/pipelines/${created.body.id}`);
    const done = await waitForPipeline(h, created.body.id, 90_000);
    expect(done.status, JSON.stringify(done.steps)).toBe('completed');
    await expect.poll(() => page.locator('.job-head').getByTestId('status').textContent()).toBe('completed');
    for (const step of done.steps)
      await expect
        .poll(() => page.getByTestId(`step-${step.name}`).getByTestId('status').first().textContent())
        .toBe(step.status);

    const outputs = Object.fromEntries(done.steps.map((step) => [step.name, step.outputs]));
    const hrefs = async (step: string) =>
      page
        .getByTestId(`step-${step}`)
        .locator('a')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(await hrefs('label')).toContain(`/console/label-runs/${outputs['label']!['label_run_id']}`);
    const fineTuneId = outputs['train']!['candidates'][0].fine_tune_id as string;
    expect(await hrefs('train')).toEqual([`/console/fine-tunes/${fineTuneId}`]);
    expect(await hrefs('evaluate')).toEqual(
      outputs['evaluate']!['evaluations'].map(
        (e: { evaluation_id: string }) => `/console/evaluations/${e.evaluation_id}`,
      ),
    );
    const { outcome } = await api(`/v1/pipelines/${created.body.id}`);
    expect(await page.getByTestId('outcome').textContent()).toContain(outcome.result.replace('_', ' '));
    await screenshot(page, 'pipeline');

    // Its fine-tune: what the API tells of it, and the model it made.
    await page.getByTestId('step-train').getByRole('link').click();
    const fineTune = await api(`/v1/fine-tunes/${fineTuneId}`);
    const model = await api(`/v1/model-versions/${fineTune['model_version_id']}`);
    await expect.poll(() => page.locator('.job-head').getByTestId('status').textContent()).toBe('succeeded');
    await expect
      .poll(() => page.getByTestId('resulting-model').locator('.card-value').textContent())
      .toBe(model['name']);
    expect(await page.getByTestId('resulting-model').textContent()).toContain('local_trained');
    expect(await page.getByTestId('figure-steps').locator('.card-value').textContent()).toBe(
      String(fineTune['curve'].length),
    );
    const events = await api(`/v1/fine-tunes/${fineTuneId}/events?limit=50`);
    expect(events.data.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('fine-tune-events').locator('tbody td:nth-child(4)').allTextContents())
      .toEqual(events.data.map((event: { message: string }) => event.message));
    expect(await page.getByRole('img', { name: 'Train and validation loss per step' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    await screenshot(page, 'fine-tune');
    await page.context().close();
  }, 120_000);
});
