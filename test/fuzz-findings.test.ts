import { gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

/**
 * Every request that a fuzzing run over the OpenAPI document turned into a 500 (or a plain JSON
 * error, or a silent 201) on landed main: each is a precise 4xx application/problem+json now.
 */
let h: Harness;
const auth = bearer(ADMIN_KEY);

beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: process.env['FUZZ_LOG'] ?? 'silent' });
  await new Promise<void>((resolve) => h.app.server.listen(0, '127.0.0.1', resolve));
  await createTask(h, 'fuzz', ['a', 'b']);
});
afterAll(async () => {
  await h?.close();
});

function expectProblem(
  response: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

/** A raw request, for what supertest would refuse to send (bad escapes, huge URLs and headers). */
function raw(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }> {
  const { port } = h.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'GET', headers: { authorization: auth, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: text ? JSON.parse(text) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('requests the fuzzing found answered 500', () => {
  it('rejects a multipart upload with a missing or wrong boundary, a truncated body or garbage', async () => {
    const post = () => h.http().post('/v1/tasks/fuzz/datasets?name=multi').set('authorization', auth);
    expectProblem(await post().set('content-type', 'multipart/form-data').send('--x\r\nnothing'), 400, 'invalid_file');
    expectProblem(
      await post()
        .set('content-type', 'multipart/form-data; boundary=right')
        .send(
          '--wrong\r\ncontent-disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"text":"x"}\r\n--wrong--\r\n',
        ),
      400,
      'invalid_file',
    );
    expectProblem(
      await post()
        .set('content-type', 'multipart/form-data; boundary=b')
        .send('--b\r\ncontent-disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"text":"a"}\n{"te'),
      400,
      'invalid_file',
    );
    expectProblem(
      await post()
        .set('content-type', 'multipart/form-data; boundary=b')
        .send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01])),
      400,
      'invalid_file',
    );
  });

  it('gives every integer a maximum the database can hold', async () => {
    const patched = await h
      .http()
      .patch('/v1/tasks/fuzz/routing')
      .set('authorization', auth)
      .send({ min_test_size: 2 ** 31 });
    expectProblem(patched, 400, 'validation_failed');
    expect(patched.body['errors']).toEqual([expect.objectContaining({ field: 'body.min_test_size' })]);
  });

  it('rejects a number that overflows to Infinity in a query or a body', async () => {
    const monitoring = await h.http().get('/v1/tasks/fuzz/monitoring?bucket_seconds=1e309').set('authorization', auth);
    expectProblem(monitoring, 400, 'validation_failed');
    expect(monitoring.body['errors']).toEqual([expect.objectContaining({ field: 'query.bucket_seconds' })]);
    const projection = await h
      .http()
      .post('/v1/cost-projections')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send(
        '{"daily_volume": 1e309, "horizon_days": 30, "options": [{"scenario": "just_ask", "model": "gpt-4o-mini"}]}',
      );
    expectProblem(projection, 400, 'validation_failed');
    expect(projection.body['errors']).toEqual([expect.objectContaining({ field: 'body.daily_volume' })]);
  });

  it('rejects a gzip or other binary body sent as JSONL instead of importing an empty dataset', async () => {
    const gz = gzipSync(Buffer.from('{"text": "hello", "label": "a"}\n'));
    const sent = await h
      .http()
      .post('/v1/tasks/fuzz/datasets?name=gz')
      .set('authorization', auth)
      .set('content-type', 'application/jsonl')
      .send(gz);
    expectProblem(sent, 400, 'invalid_file');
    const binary = await h
      .http()
      .post('/v1/tasks/fuzz/datasets?name=bin')
      .set('authorization', auth)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    expectProblem(binary, 400, 'invalid_file');
    const datasets = await h.http().get('/v1/tasks/fuzz/datasets').set('authorization', auth);
    expect(datasets.body.data).toEqual([]);
  });

  it('imports a gzip body that says Content-Encoding: gzip', async () => {
    const gz = gzipSync(Buffer.from('{"text": "hello", "label": "a"}\n{"text": "bye", "label": "b"}\n'));
    const sent = await h
      .http()
      .post('/v1/tasks/fuzz/datasets?name=encoded')
      .set('authorization', auth)
      .set('content-type', 'application/jsonl')
      .set('content-encoding', 'gzip')
      .send(gz);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.version.row_count).toBe(2);
  });

  it('answers bad percent-encoding, an over-long URL and over-long headers with problem+json', async () => {
    expectProblem(await raw('/v1/tasks/%E0%A4%A'), 400, 'bad_request');
    expectProblem(await raw(`/v1/tasks?x=${'a'.repeat(100_000)}`), 414, 'uri_too_long');
    expectProblem(await raw('/v1/tasks', { 'x-padding': 'a'.repeat(20_000) }), 431, 'headers_too_large');
  });
});
