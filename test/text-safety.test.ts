import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, registerModel, route, storedPredictions } from './helpers/classify.js';
import { createTask, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

/**
 * Text Postgres cannot store (U+0000 anywhere, UTF-16 surrogates without their pair) is refused at
 * the HTTP edge with a 400 naming where it was, so it never reaches the prediction log or a table.
 */
let h: Harness;
const auth = bearer(ADMIN_KEY);
const NUL = 'a \u0000 b';
const LONE = 'x \ud800 y';

beforeAll(async () => {
  h = await createHarness({ PREDICTION_LOG_FLUSH_MS: '10', LOG_LEVEL: 'silent' });
  await createTask(h, 'topics', ['sport', 'other']);
  const local = await registerModel(h, 'topics', { kind: 'prompt', provider: 'local', name: 'local' });
  await route(h, 'topics', { champion: local });
});
afterAll(async () => {
  await h?.close();
});

const expectInvalidText = (
  response: { status: number; headers: Record<string, string>; body: { code: string; errors: { field: string }[] } },
  field: string,
) => {
  expect(response.status, JSON.stringify(response.body)).toBe(400);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body.code).toBe('invalid_text');
  expect(response.body.errors.map((e) => e.field)).toContain(field);
};

describe('text Postgres cannot store', () => {
  it('is refused in classify inputs, naming the field, and the prediction log keeps writing', async () => {
    expectInvalidText(await classify(h, 'topics', { input: NUL }), 'body.input');
    expectInvalidText(await classify(h, 'topics', { input: LONE }), 'body.input');
    expectInvalidText(await classify(h, 'topics', { inputs: ['fine', 'also fine', 'ok', NUL] }), 'body.inputs[3]');
    // A paired surrogate (an emoji) is ordinary text.
    const after = await classify(h, 'topics', { inputs: ['still fine 😀'] });
    expect(after.status).toBe(200);
    const ids = after.body.results.map((r: { prediction_id: string }) => r.prediction_id);
    await expect.poll(() => storedPredictions(h, ids), { timeout: 5_000 }).toBe(1);
  });

  it('is refused in feedback, task bodies, object keys, query strings and path ids', async () => {
    const answered = await classify(h, 'topics', { input: 'match report' });
    const id = answered.body.results[0].prediction_id as string;
    await expect.poll(() => storedPredictions(h, [id]), { timeout: 5_000 }).toBe(1);
    const feedback = await h
      .http()
      .post(`/v1/predictions/${id}/feedback`)
      .set('authorization', auth)
      .send({ label: 'sport', comment: NUL });
    expectInvalidText(feedback, 'body.comment');
    const task = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send({ slug: 'nul-task', instructions: LONE, labels: [{ name: 'a' }, { name: 'b' }] });
    expectInvalidText(task, 'body.instructions');
    const label = await h
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send({ slug: 'nul-task', instructions: 'x', labels: [{ name: 'a' }, { name: `b${NUL}` }] });
    expectInvalidText(label, 'body.labels[1].name');
    // An object key is text too (it ends up in jsonb).
    const derive = await h
      .http()
      .post('/v1/dataset-versions/01890a5d-ac96-774b-bcce-b302099a8057/derive')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send('{"operations":[{"op":"relabel","map":{"a\\u0000":"b"}}]}');
    expectInvalidText(derive, 'body.operations[0].map');

    expectInvalidText(
      await h
        .http()
        .get('/v1/dataset-versions/01890a5d-ac96-774b-bcce-b302099a8057/examples?label=%00')
        .set('authorization', auth),
      'query.label',
    );
    expectInvalidText(await h.http().get('/v1/tasks/top%00ics').set('authorization', auth), 'path.task');
  });

  it('is refused line by line in imports, with the line number and reason invalid_text', async () => {
    const body = [
      JSON.stringify({ text: 'fine', label: 'sport' }),
      JSON.stringify({ text: NUL, label: 'sport' }),
      JSON.stringify({ text: LONE, label: 'other' }),
    ].join('\n');
    const response = await upload(h, '/v1/tasks/topics/datasets?name=poisoned', body);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.code).toBe('invalid_file');
    expect(response.body.details.errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
      [2, 'invalid_text'],
      [3, 'invalid_text'],
    ]);
    const csv = await upload(
      h,
      '/v1/tasks/topics/datasets?name=poisoned-csv',
      `text,label\nok,sport\n"a\u0000b",other\n`,
      'text/csv',
    );
    expect(csv.status, JSON.stringify(csv.body)).toBe(400);
    expect(csv.body.details.errors).toEqual([expect.objectContaining({ line: 3, reason: 'invalid_text' })]);
    const skipped = await upload(h, '/v1/tasks/topics/datasets?name=poisoned-skip&on_error=skip', body);
    expect(skipped.status).toBe(201);
    expect(skipped.body.import).toMatchObject({ imported: 1, skipped: 2 });
  });
});
