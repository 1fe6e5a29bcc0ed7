import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysRepository } from '../src/db/repositories/api-keys-repository.js';
import { changeNotices, type ChangeNotices } from '../src/lib/change-notices.js';
import { createLogger } from '../src/lib/logger.js';
import { apiKeysService } from '../src/services/api-keys-service.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
const notices: ChangeNotices[] = [];

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const each of notices) await each.close();
  await h?.close();
});

async function createKey(): Promise<{ key: string; id: string }> {
  const response = await h
    .http()
    .post('/v1/api-keys')
    .set('authorization', bearer(ADMIN_KEY))
    .send({ name: 'cached', scopes: ['classify'] });
  expect(response.status).toBe(201);
  return { key: response.body.key, id: response.body.id };
}

/**
 * A key service of its own (another API instance, in effect) over the harness's real Postgres and
 * Redis, whose repository counts the key lookups it makes and can hold one after it has read the row.
 */
function instance(cacheMs: number) {
  const repo = apiKeysRepository(h.runtime.database.db);
  const own = changeNotices({
    redis: h.runtime.redis,
    prefix: h.config.queuePrefix,
    logger: createLogger({ level: 'silent', name: 'key-cache' }),
  });
  notices.push(own);
  let lookups = 0;
  let hold: { read: () => void; release: Promise<void> } | undefined;
  const counted: typeof repo = {
    ...repo,
    async findByHash(hash) {
      lookups++;
      const row = await repo.findByHash(hash);
      const held = hold;
      hold = undefined;
      if (held) {
        held.read();
        await held.release;
      }
      return row;
    },
  };
  return {
    service: apiKeysService({ apiKeysRepo: counted, adminApiKey: ADMIN_KEY, notices: own, cacheMs }),
    notices: own,
    lookups: () => lookups,
    /** The next lookup reads its row, then waits for `release`; resolves once it has read. */
    holdNextLookup(release: Promise<void>): Promise<void> {
      return new Promise((read) => {
        hold = { read, release };
      });
    },
  };
}

describe('the API key cache', () => {
  it('refreshes an expired entry with one lookup however many requests wait for it', async () => {
    const { key, id } = await createKey();
    // Entries expire at once, so every call below meets an expired one.
    const { service, lookups } = instance(0);
    expect((await service.authenticate(key))?.keyId).toBe(id);
    expect(lookups()).toBe(1);

    const principals = await Promise.all(Array.from({ length: 50 }, () => service.authenticate(key)));
    expect(principals.map((principal) => principal?.keyId)).toEqual(Array(50).fill(id));
    expect(lookups()).toBe(2);

    // The shared lookup is gone once settled: the next expiry asks the database again.
    await service.authenticate(key);
    expect(lookups()).toBe(3);
  });

  it('serves a fresh entry from memory', async () => {
    const { key, id } = await createKey();
    const { service, lookups } = instance(60_000);
    await service.authenticate(key);
    const principals = await Promise.all(Array.from({ length: 20 }, () => service.authenticate(key)));
    expect(new Set(principals.map((principal) => principal?.keyId))).toEqual(new Set([id]));
    expect(lookups()).toBe(1);
  });

  it('lets a revocation that arrives during a lookup win over that lookup’s older answer', async () => {
    const { key, id } = await createKey();
    const { service, notices: own, holdNextLookup, lookups } = instance(60_000);
    let release = () => {};
    const read = holdNextLookup(new Promise((resolve) => (release = resolve)));
    const racing = service.authenticate(key);
    // The lookup has read the row while the key was still valid...
    await read;
    await own.ready();
    // ...then another instance revokes the key, and its notice reaches this one before the answer does.
    const noticed = new Promise<void>((resolve) =>
      own.subscribe('api-keys', (revoked) => void (revoked === id && resolve())),
    );
    await h.http().delete(`/v1/api-keys/${id}`).set('authorization', bearer(ADMIN_KEY)).expect(200);
    await noticed;
    release();

    expect(await racing).toBeUndefined();
    // Nor was the older answer remembered: the next call asks the database, which says revoked.
    expect(await service.authenticate(key)).toBeUndefined();
    expect(lookups()).toBe(2);
  });
});
