import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.js';

let built: Harness;
let unbuilt: Harness;
let empty: string;

beforeAll(async () => {
  empty = await mkdtemp(join(tmpdir(), 'tuneline-console-'));
  // The global setup has built console/dist; the second app points at a folder with no build.
  [built, unbuilt] = await Promise.all([createHarness(), createHarness({ CONSOLE_DIR: empty })]);
});
afterAll(async () => {
  await Promise.all([built?.close(), unbuilt?.close()]);
  await rm(empty, { recursive: true, force: true });
});

describe('serving the console at /console', () => {
  it('redirects /console to /console/ and answers every page path with index.html', async () => {
    const bare = await built.http().get('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers['location']).toBe('/console/');
    for (const path of [
      '/console/',
      '/console/tasks/tickets',
      '/console/evaluations/0190e1f0-aaaa-7bbb-8ccc-0123456789ab',
    ]) {
      const page = await built.http().get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.text).toContain('<div id="app"></div>');
      expect(page.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the built assets, cached for good since their names carry their hash', async () => {
    const index = (await built.http().get('/console/')).text;
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const asset = await built.http().get(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('answers a missing file, or a path out of the build, with a 404 problem', async () => {
    for (const path of ['/console/assets/nothing-here.js', '/console/%2e%2e/%2e%2e/package.json']) {
      const missing = await built.http().get(path);
      expect(missing.status, path).toBe(404);
      expect(missing.headers['content-type']).toContain('application/problem+json');
      expect(missing.body.code).toBe('route_not_found');
    }
  });

  it('needs no key for the files (the console signs in itself) and stays out of the OpenAPI document', async () => {
    const document = (await built.http().get('/docs/json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/console'))).toEqual([]);
  });

  it('says how to build it when there is no build, as a 503 problem', async () => {
    for (const path of ['/console', '/console/', '/console/tasks/tickets']) {
      const response = await unbuilt.http().get(path);
      expect(response.status, path).toBe(503);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body).toMatchObject({ code: 'console_not_built' });
      expect(response.body.detail).toContain('npm run build');
    }
  });
});
