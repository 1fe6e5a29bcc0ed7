import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';

const run = promisify(execFile);

describe('the typed client', () => {
  it('is generated from the committed OpenAPI document: run "npm run client:generate" when this fails', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tuneline-client-'));
    try {
      const fresh = join(folder, 'schema.d.ts');
      // The client's own `generate` script, writing elsewhere.
      await run(process.execPath, [join(ROOT, 'clients/typescript/scripts/generate.mjs'), '--output', fresh]);
      const committed = await readFile(join(ROOT, 'clients/typescript/src/schema.d.ts'), 'utf8');
      expect(committed === (await readFile(fresh, 'utf8')), 'clients/typescript/src/schema.d.ts is stale').toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
