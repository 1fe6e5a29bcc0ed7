import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/domain/api-key-secret.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

/**
 * Logs never hold key material: not the key, not its visible prefix, not its SHA-256. A failing
 * query carries its parameters (drizzle puts them in the error message), and authenticating a key
 * queries by its hash, so a database fault during authentication must not write the hash out.
 */

let h: Harness;
const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: 'info' }, { logTo: capture });
});
afterAll(async () => {
  await h?.close();
});

describe('logs during a database fault', () => {
  it('name the failed query but hold no key, prefix or hash', async () => {
    const created = await h
      .http()
      .post('/v1/api-keys')
      .set('authorization', bearer(ADMIN_KEY))
      .send({ name: 'victim', scopes: ['read'] });
    expect(created.status).toBe(201);
    const stranger = generateApiKey();
    const stored = await h.runtime.database.pool.query('SELECT key_hash FROM api_keys WHERE id = $1', [
      created.body.id,
    ]);
    const material = [
      created.body.key,
      created.body.prefix,
      stored.rows[0].key_hash,
      stranger.key,
      stranger.prefix,
      stranger.hash,
    ];

    // The table goes away: every key lookup fails as it would with the database down.
    await h.runtime.database.pool.query('ALTER TABLE api_keys RENAME TO api_keys_gone');
    try {
      lines.length = 0;
      for (const key of [created.body.key, stranger.key]) {
        const response = await h.http().get('/v1/tasks').set('authorization', bearer(key));
        expect(response.status).toBeGreaterThanOrEqual(500);
      }
    } finally {
      await h.runtime.database.pool.query('ALTER TABLE api_keys_gone RENAME TO api_keys');
    }
    const logged = lines.join('');
    // The fault itself is logged, with the statement that failed...
    expect(logged).toContain('api_keys');
    expect(logged).toMatch(/does not exist/);
    // ...but none of the key material it was run with.
    for (const secret of material) expect(logged).not.toContain(secret);
  });
});
