import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ BODY_LIMIT_BYTES: '4096' });
});
afterAll(async () => {
  await h?.close();
});

const auth = bearer(ADMIN_KEY);

function expectProblem(
  response: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code, type: `urn:tuneline:problem:${code}` });
  expect(typeof response.body['detail']).toBe('string');
  expect(response.body['request_id']).toBe(response.headers['x-request-id']);
}

describe('error model', () => {
  it('reports malformed JSON as 400 malformed_json', async () => {
    const response = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send('{"slug": ');
    expectProblem(response, 400, 'malformed_json');
  });

  it('reports an unsupported content type as 415', async () => {
    const response = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .set('content-type', 'text/csv')
      .send('a,b');
    expectProblem(response, 415, 'unsupported_media_type');
  });

  it('reports a body over the limit as 413', async () => {
    const response = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send({ slug: 'big', instructions: 'x'.repeat(10_000), labels: [{ name: 'a' }, { name: 'b' }] });
    expectProblem(response, 413, 'payload_too_large');
  });

  it('reports an unknown route as 404 route_not_found', async () => {
    expectProblem(await h.http().get('/v1/nothing-here'), 404, 'route_not_found');
  });

  it('keeps a caller-supplied request id and makes one up otherwise', async () => {
    const given = await h
      .http()
      .get('/v1/tasks/missing')
      .set('authorization', auth)
      .set('x-request-id', 'caller-trace-42');
    expect(given.headers['x-request-id']).toBe('caller-trace-42');
    expect(given.body.request_id).toBe('caller-trace-42');
    const made = await h
      .http()
      .get('/v1/tasks/missing')
      .set('authorization', auth)
      .set('x-request-id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns an unexpected failure into an opaque 500 without internals', async () => {
    // A real failure in the data layer: the table is gone from this test's private database.
    await h.runtime.database.pool.query('ALTER TABLE tasks RENAME TO tasks_gone');
    try {
      const response = await h.http().get('/v1/tasks').set('authorization', auth);
      expectProblem(response, 500, 'internal_error');
      expect(response.body.detail).toBe('An unexpected error occurred.');
      expect(JSON.stringify(response.body)).not.toMatch(/relation|select|postgres|at /i);
    } finally {
      await h.runtime.database.pool.query('ALTER TABLE tasks_gone RENAME TO tasks');
    }
  });
});
