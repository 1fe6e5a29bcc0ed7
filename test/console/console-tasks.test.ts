import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, registerModel, route } from '../helpers/classify.js';
import { launchBrowser, listen, screenshot, signedIn, readOnlyKey } from '../helpers/console-browser.js';
import { createTask } from '../helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let browser: Browser;
let baseUrl: string;
let readKey: string;
let champion: string;
let challenger: string;

beforeAll(async () => {
  h = await createHarness();
  baseUrl = await listen(h);
  browser = await launchBrowser();
  await createTask(h, 'tickets', ['billing', 'bug']);
  champion = await registerModel(h, 'tickets', { kind: 'prompt', provider: 'local', name: 'keyword baseline' });
  challenger = await registerModel(h, 'tickets', { kind: 'prompt', provider: 'local', name: 'keyword challenger' });
  await route(h, 'tickets', { champion });
  for (let i = 0; i < 5; i++) {
    const answer = await classify(h, 'tickets', { input: `my invoice ${i} is wrong` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }
  readKey = await readOnlyKey(h);
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('console: signing in and a task', () => {
  it('refuses a key the API does not know, with the API’s problem', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/console/`);
    await page.getByLabel('API key').fill('tl_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('unauthenticated');
    await page.context().close();
  });

  it('signs in, lists the tasks, and a task shows its champion and live figures', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY);
    await page.getByRole('link', { name: 'tickets' }).click();
    await expect.poll(() => page.getByTestId('champion').textContent()).toContain('keyword baseline');
    await expect.poll(() => page.getByTestId('monitoring-totals').textContent()).toMatch(/predictions5/);
    // Reloading keeps the session (sessionStorage), and a page address opens that page directly.
    await page.reload();
    await expect.poll(() => page.getByTestId('champion').textContent()).toContain('keyword baseline');
    await screenshot(page, 'task-overview');
    await page.context().close();
  });

  it('promotes with a write key, and the routing history shows the decision', async () => {
    const page = await signedIn(browser, baseUrl, ADMIN_KEY, '/console/tasks/tickets');
    const actions = page.getByTestId('routing-actions');
    await actions.getByLabel('Model').selectOption(challenger);
    await actions.getByLabel('Reason').fill('better on the spring tickets');
    await actions.getByRole('button', { name: 'Promote' }).click();
    await expect.poll(() => page.getByTestId('champion').textContent()).toContain('keyword challenger');
    await expect(page.getByTestId('routing-history').textContent()).resolves.toContain('better on the spring tickets');
    const routing = await h.http().get('/v1/tasks/tickets/routing').set('authorization', bearer(ADMIN_KEY));
    expect(routing.body.champion_id).toBe(challenger);
    await page.context().close();
  });

  it('shows a key without write scope no promote button', async () => {
    const page = await signedIn(browser, baseUrl, readKey, '/console/tasks/tickets');
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('read');
    await page.getByTestId('champion').waitFor();
    await page.getByTestId('routing-history').waitFor();
    expect(await page.getByRole('button', { name: 'Promote' }).count()).toBe(0);
    expect(await page.getByTestId('routing-actions').count()).toBe(0);
    await page.context().close();
  });
});
