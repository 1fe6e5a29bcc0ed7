import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const task = (slug: string) => ({ slug, instructions: 'Spam or not?', labels: [{ name: 'spam' }, { name: 'ham' }] });

async function createKey(body: Record<string, unknown>) {
  const response = await h.http().post('/v1/api-keys').set('authorization', bearer(ADMIN_KEY)).send(body);
  expect(response.status).toBe(201);
  return response.body as { id: string; key: string; prefix: string; scopes: string[] };
}

describe('authentication', () => {
  it('answers 401 problem+json without a key, with a bad key, and with a malformed header', async () => {
    for (const header of [undefined, 'Bearer tl_not-a-real-key', 'Token abc', 'Bearer']) {
      const request = h.http().get('/v1/tasks');
      if (header) request.set('authorization', header);
      const response = await request;
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="tuneline"');
      expect(response.body.code).toBe('unauthenticated');
    }
  });

  it('leaves health, docs and metrics public', async () => {
    expect((await h.http().get('/health/live')).status).toBe(200);
    expect((await h.http().get('/docs/json')).status).toBe(200);
    expect((await h.http().get('/metrics')).status).toBe(200);
  });
});

describe('API keys', () => {
  it('shows the secret once, stores only a hash, and never lists it', async () => {
    const created = await createKey({ name: 'ingest service', scopes: ['write'] });
    expect(created.key).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const list = await h.http().get('/v1/api-keys').set('authorization', bearer(ADMIN_KEY));
    const listed = list.body.data.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ name: 'ingest service', scopes: ['write'], revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(created.key);

    const stored = await h.runtime.database.pool.query('SELECT key_hash FROM api_keys WHERE id = $1', [created.id]);
    expect(stored.rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0].key_hash).not.toContain(created.key);
  });

  it('tells any key what it is (GET /v1/me), so a console can hide what it may not do', async () => {
    const created = await createKey({ name: 'dashboard', scopes: ['read'], rate_limit_per_minute: 600 });
    const me = await h.http().get('/v1/me').set('authorization', bearer(created.key));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ key_id: created.id, scopes: ['read'], task_ids: null, rate_limit_per_minute: 600 });

    const taskId = (await h.http().post('/v1/tasks').set('authorization', bearer(ADMIN_KEY)).send(task('mine'))).body
      .id as string;
    const limited = await createKey({ name: 'one task', scopes: ['classify'], task_ids: [taskId] });
    const limitedMe = await h.http().get('/v1/me').set('authorization', bearer(limited.key));
    expect(limitedMe.body).toMatchObject({ key_id: limited.id, scopes: ['classify'], task_ids: [taskId] });

    const bootstrap = await h.http().get('/v1/me').set('authorization', bearer(ADMIN_KEY));
    expect(bootstrap.body).toEqual({
      key_id: 'bootstrap',
      scopes: ['admin'],
      task_ids: null,
      rate_limit_per_minute: null,
    });
    expect((await h.http().get('/v1/me')).status).toBe(401);
  });

  it('enforces scopes: 403 names the missing scope', async () => {
    const classify = await createKey({ name: 'classifier', scopes: ['classify'] });
    const write = await createKey({ name: 'writer', scopes: ['write'] });

    const denied = await h.http().post('/v1/tasks').set('authorization', bearer(classify.key)).send(task('scoped'));
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'forbidden', details: { required_scope: 'write' } });
    expect((await h.http().get('/v1/tasks/scoped').set('authorization', bearer(ADMIN_KEY))).status).toBe(404);

    // Reading needs `read` (which `write` implies); a classify key only classifies.
    const read = await h.http().get('/v1/tasks').set('authorization', bearer(classify.key));
    expect(read.status).toBe(403);
    expect(read.body.details.required_scope).toBe('read');
    expect((await h.http().get('/v1/tasks').set('authorization', bearer(write.key))).status).toBe(200);
    expect((await h.http().post('/v1/tasks').set('authorization', bearer(write.key)).send(task('scoped'))).status).toBe(
      201,
    );

    // Only admin manages keys.
    const keys = await h.http().get('/v1/api-keys').set('authorization', bearer(write.key));
    expect(keys.status).toBe(403);
    expect(keys.body.details.required_scope).toBe('admin');
  });

  it('revokes a key at once, idempotently', async () => {
    const key = await createKey({ name: 'short-lived', scopes: ['write'] });
    expect((await h.http().get('/v1/tasks').set('authorization', bearer(key.key))).status).toBe(200);

    const revoked = await h.http().delete(`/v1/api-keys/${key.id}`).set('authorization', bearer(ADMIN_KEY));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const again = await h.http().delete(`/v1/api-keys/${key.id}`).set('authorization', bearer(ADMIN_KEY));
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);

    expect((await h.http().get('/v1/tasks').set('authorization', bearer(key.key))).status).toBe(401);
    const active = await h.http().get('/v1/api-keys?limit=100').set('authorization', bearer(ADMIN_KEY));
    expect(active.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id);
    const all = await h
      .http()
      .get('/v1/api-keys?limit=100&include_revoked=true')
      .set('authorization', bearer(ADMIN_KEY));
    expect(all.body.data.map((k: { id: string }) => k.id)).toContain(key.id);
  });

  it('refuses an expired key', async () => {
    const expiresAt = Date.now() + 1_000;
    const key = await createKey({ name: 'expiring', scopes: ['write'], expires_at: new Date(expiresAt).toISOString() });
    // Used once while valid, so the key is also in the instance's memory when it expires.
    expect((await h.http().get('/v1/tasks').set('authorization', bearer(key.key))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
    expect((await h.http().get('/v1/tasks').set('authorization', bearer(key.key))).status).toBe(401);
  });

  it('validates key requests', async () => {
    const scope = await h
      .http()
      .post('/v1/api-keys')
      .set('authorization', bearer(ADMIN_KEY))
      .send({ name: 'x', scopes: ['root'] });
    expect(scope.status).toBe(400);
    expect(scope.body.errors).toEqual([
      { field: 'body.scopes[0]', message: 'must be equal to one of the allowed values (admin, write, read, classify)' },
    ]);
    const past = await h
      .http()
      .post('/v1/api-keys')
      .set('authorization', bearer(ADMIN_KEY))
      .send({ name: 'x', scopes: ['write'], expires_at: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([{ field: 'body.expires_at', message: 'must be in the future' }]);
    const unknown = await h
      .http()
      .delete('/v1/api-keys/0192f0c4-1111-7abc-8def-0123456789ab')
      .set('authorization', bearer(ADMIN_KEY));
    expect(unknown.status).toBe(404);
    const notUuid = await h.http().delete('/v1/api-keys/abc').set('authorization', bearer(ADMIN_KEY));
    expect(notUuid.status).toBe(400);
    expect(notUuid.body.errors[0].field).toBe('path.key_id');
  });

  it('pages through keys', async () => {
    for (let i = 0; i < 3; i++) await createKey({ name: `paged-${i}`, scopes: ['classify'] });
    const first = await h.http().get('/v1/api-keys?limit=2').set('authorization', bearer(ADMIN_KEY));
    expect(first.body.data).toHaveLength(2);
    const second = await h
      .http()
      .get(`/v1/api-keys?limit=2&cursor=${first.body.next_cursor}`)
      .set('authorization', bearer(ADMIN_KEY));
    const ids = [...first.body.data, ...second.body.data].map((k: { id: string }) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('Bull Board', () => {
  it('is admin-only and accepts HTTP Basic with the key as password', async () => {
    const anonymous = await h.http().get('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Basic realm="tuneline"');

    const writer = await createKey({ name: 'writer', scopes: ['write'] });
    const basic = (key: string) => `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`;
    expect((await h.http().get('/admin/queues').set('authorization', basic(writer.key))).status).toBe(403);

    const page = await h.http().get('/admin/queues').set('authorization', basic(ADMIN_KEY));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    const api = await h.http().get('/admin/queues/api/queues').set('authorization', bearer(ADMIN_KEY));
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toContain('housekeeping');
  });
});
