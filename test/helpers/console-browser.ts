import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ADMIN_KEY, bearer, type Harness } from './harness.js';
import { ROOT } from './processes.js';

/** Where browser tests leave their screenshots (CI keeps them as artifacts; two are in the README). */
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'console');

/** Debian's Chromium, never a downloaded browser; flags that keep it quiet and offline. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });

/** The harness's app on a real port, so the browser loads /console and calls the API as a person's would. */
export async function listen(h: Harness): Promise<string> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** A fresh browser context (its own session storage) signed in with `key`, at `path` of the console. */
export async function signedIn(browser: Browser, baseUrl: string, key: string, path = '/console/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(baseUrl + path);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor();
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A key that may read everything and change nothing: what the console must show without its buttons. */
export async function readOnlyKey(h: Harness): Promise<string> {
  const created = await h
    .http()
    .post('/v1/api-keys')
    .set('authorization', bearer(ADMIN_KEY))
    .send({ name: 'viewer', scopes: ['read'] });
  if (created.status !== 201) throw new Error(`no read key: ${created.status}`);
  return created.body.key as string;
}
