import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ IMPORT_MAX_BYTES: '200000', MAX_TEXT_CHARS: '500', LOG_LEVEL: 'error' });
  await createTask(h, 'sentiment', ['positive', 'negative']);
  await createTask(
    h,
    'stars',
    [1, 2, 3, 4, 5].map((n) => ({ name: String(n), order: n })),
  );
});
afterAll(async () => {
  await h?.close();
});

const datasetsOf = async (task: string) =>
  (await h.http().get(`/v1/tasks/${task}/datasets?limit=100`).set('authorization', bearer(ADMIN_KEY))).body.data as {
    name: string;
  }[];

describe('import formats', () => {
  it('imports plain JSONL, labeled and unlabeled, and reports statistics', async () => {
    const body = jsonl([
      { text: 'Great app, love it', label: 'positive' },
      { text: 'Crashes every time', label: 'negative' },
      { text: 'Great app, love it', label: 'positive' },
      { text: 'Not sure yet' },
      { text: 'Meh', label: null },
    ]);
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=plain', body);
    expect(response.status).toBe(201);
    expect(response.body.import).toMatchObject({ format: 'jsonl', rows_read: 5, imported: 5, skipped: 0, errors: [] });
    expect(response.body.version).toMatchObject({ number: 1, parent_id: null, operation: 'import', row_count: 5 });
    expect(response.body.version.stats).toMatchObject({
      row_count: 5,
      labeled: 3,
      unlabeled: 2,
      duplicate_count: 1,
      label_distribution: { negative: 1, positive: 2 },
      label_sources: { import: 3 },
    });
    expect(response.body.version.stats.tokens.min).toBeGreaterThan(0);
    expect(response.body.version.content_hash).toMatch(/^[0-9a-f]{64}$/);
    const rows = await allExamples(h, response.body.version.id);
    expect(rows.map((r) => [r.text, r.label, r.label_source])).toEqual([
      ['Great app, love it', 'positive', 'import'],
      ['Crashes every time', 'negative', 'import'],
      ['Great app, love it', 'positive', 'import'],
      ['Not sure yet', null, null],
      ['Meh', null, null],
    ]);
    // The duplicate text is stored once.
    expect(rows[0]!.example_id).toBe(rows[2]!.example_id);
  });

  it('imports OpenAI chat JSONL: user content is the text, the assistant the label', async () => {
    const body = jsonl([
      {
        messages: [
          { role: 'system', content: 'Rate it' },
          { role: 'user', content: 'Loved it' },
          { role: 'assistant', content: 'positive' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Awful' },
          { role: 'assistant', content: 'negative' },
        ],
      },
      { messages: [{ role: 'user', content: 'No answer yet' }] },
    ]);
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=chat', body);
    expect(response.status).toBe(201);
    expect(response.body.import.format).toBe('openai-chat');
    const rows = await allExamples(h, response.body.version.id);
    expect(rows.map((r) => [r.text, r.label])).toEqual([
      ['Loved it', 'positive'],
      ['Awful', 'negative'],
      ['No answer yet', null],
    ]);
  });

  it('imports legacy prompt/completion JSONL, removing the suffix and the leading space, mapping codes', async () => {
    const body = jsonl([
      { prompt: 'Five stars, perfect\n\n###\n\n', completion: ' 5' },
      { prompt: 'Terrible\n\n###\n\n', completion: ' 1\n' },
      { prompt: 'Okay I guess\n\n###\n\n', completion: ' three' },
    ]);
    const response = await upload(
      h,
      `/v1/tasks/stars/datasets?name=legacy&label_map=${encodeURIComponent('{"three":"3"}')}`,
      body,
    );
    expect(response.status).toBe(201);
    expect(response.body.import.format).toBe('openai-completions');
    expect(response.body.version.params.label_map).toEqual({ three: '3' });
    const rows = await allExamples(h, response.body.version.id);
    expect(rows.map((r) => [r.text, r.label])).toEqual([
      ['Five stars, perfect', '5'],
      ['Terrible', '1'],
      ['Okay I guess', '3'],
    ]);
  });

  it('imports CSV with named columns, quoted commas and newlines, as a raw body and as multipart', async () => {
    const csv = 'id,review,stars\r\n1,"Good, but slow",4\r\n2,"Line one\nline two",2\r\n3,No rating,\r\n';
    const raw = await upload(
      h,
      '/v1/tasks/stars/datasets?name=csv&text_column=review&label_column=stars',
      csv,
      'text/csv',
    );
    expect(raw.status).toBe(201);
    expect(raw.body.import.format).toBe('csv');
    const rows = await allExamples(h, raw.body.version.id);
    expect(rows.map((r) => [r.text, r.label])).toEqual([
      ['Good, but slow', '4'],
      ['Line one\nline two', '2'],
      ['No rating', null],
    ]);

    const multipart = await h
      .http()
      .post('/v1/tasks/stars/datasets?name=csv-multipart&text_column=review&label_column=stars')
      .set('authorization', bearer(ADMIN_KEY))
      .attach('file', Buffer.from(csv), { filename: 'reviews.csv', contentType: 'text/csv' });
    expect(multipart.status).toBe(201);
    expect(multipart.body.version.content_hash).toBe(raw.body.version.content_hash);
  });

  it('copes with a BOM and CRLF line ends', async () => {
    const body =
      '\uFEFF' +
      jsonl([
        { text: 'café ☕ 👍', label: 'positive' },
        { text: 'Nope', label: 'negative' },
      ]).replace(/\n/g, '\r\n');
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=bom', body);
    expect(response.status).toBe(201);
    expect((await allExamples(h, response.body.version.id)).map((r) => r.text)).toEqual(['café ☕ 👍', 'Nope']);
  });
});

describe('import validation', () => {
  const badFile = [
    JSON.stringify({ text: 'fine', label: 'positive' }),
    '{"text": "broken',
    JSON.stringify({ label: 'positive' }),
    JSON.stringify({ text: '   ', label: 'positive' }),
    JSON.stringify({ text: 'who knows', label: 'maybe' }),
    JSON.stringify({ text: 42, label: 'negative' }),
    JSON.stringify({ text: 'x'.repeat(501), label: 'negative' }),
    JSON.stringify({ text: 'also fine', label: 'negative' }),
  ].join('\n');

  it('rejects a file with bad lines, listing each line number and reason, and creates nothing', async () => {
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=bad', badFile);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('invalid_file');
    expect(response.body.details.error_count).toBe(6);
    expect(response.body.details.errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
      [2, 'invalid_json'],
      [3, 'missing_text'],
      [4, 'empty_text'],
      [5, 'unknown_label'],
      [6, 'wrong_type'],
      [7, 'text_too_long'],
    ]);
    expect(response.body.errors[0]).toEqual({ field: 'line 2', message: expect.stringContaining('invalid_json') });
    expect((await datasetsOf('sentiment')).map((d) => d.name)).not.toContain('bad');
  });

  it('imports the good rows with on_error=skip and reports the skipped ones', async () => {
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=skipping&on_error=skip', badFile);
    expect(response.status).toBe(201);
    expect(response.body.import).toMatchObject({ rows_read: 8, imported: 2, skipped: 6, error_count: 6 });
    expect(response.body.import.errors).toHaveLength(6);
    expect((await allExamples(h, response.body.version.id)).map((r) => r.text)).toEqual(['fine', 'also fine']);
  });

  it('lists the first 100 errors and counts them all', async () => {
    const lines = Array.from({ length: 150 }, (_, i) => JSON.stringify({ text: `row ${i}`, label: 'unknown' }));
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=many-errors', lines.join('\n'));
    expect(response.status).toBe(400);
    expect(response.body.details.error_count).toBe(150);
    expect(response.body.details.errors).toHaveLength(100);
    expect(response.body.details.errors.at(-1).line).toBe(100);
  });

  it.each([
    ['an empty file', '', 'application/jsonl', 400, 'empty_file'],
    ['an unrecognisable file', 'just some words\n', 'application/jsonl', 400, 'unknown_format'],
    ['a JSON content type', '{"text":"a"}', 'application/json', 415, 'unsupported_media_type'],
  ])('rejects %s', async (_case, body, type, status, code) => {
    const response = await upload(h, '/v1/tasks/sentiment/datasets?name=rejected', body, type);
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });

  it('rejects a bad label_map, a duplicate name, an archived task and an oversized upload', async () => {
    const map = await upload(h, '/v1/tasks/sentiment/datasets?name=m&label_map=nope', jsonl([{ text: 'a' }]));
    expect(map.status).toBe(400);
    expect(map.body.errors[0].field).toBe('query.label_map');

    await upload(h, '/v1/tasks/sentiment/datasets?name=taken', jsonl([{ text: 'a' }])).expect(201);
    const taken = await upload(h, '/v1/tasks/sentiment/datasets?name=taken', jsonl([{ text: 'b' }]));
    expect(taken.status).toBe(409);

    const big = await upload(
      h,
      '/v1/tasks/sentiment/datasets?name=big',
      jsonl(Array.from({ length: 5000 }, (_, i) => ({ text: `row number ${i} with some words` }))),
    );
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('payload_too_large');
    expect((await datasetsOf('sentiment')).map((d) => d.name)).not.toContain('big');

    await createTask(h, 'old-task', ['a', 'b']);
    await h.http().post('/v1/tasks/old-task/archive').set('authorization', bearer(ADMIN_KEY)).expect(200);
    const archived = await upload(h, '/v1/tasks/old-task/datasets?name=x', jsonl([{ text: 'a' }]));
    expect(archived.status).toBe(409);
    expect(archived.body.code).toBe('archived');
  });
});

describe('versions from new files', () => {
  it('appends to or replaces the latest version, recording lineage', async () => {
    const first = await upload(
      h,
      '/v1/tasks/sentiment/datasets?name=growing',
      jsonl([{ text: 'one', label: 'positive' }]),
    );
    const dataset = first.body.dataset.id;
    const appended = await upload(h, `/v1/datasets/${dataset}/versions`, jsonl([{ text: 'two', label: 'negative' }]));
    expect(appended.status).toBe(201);
    expect(appended.body.version).toMatchObject({ number: 2, parent_id: first.body.version.id, row_count: 2 });
    const replaced = await upload(h, `/v1/datasets/${dataset}/versions?mode=replace`, jsonl([{ text: 'three' }]));
    expect(replaced.body.version).toMatchObject({ number: 3, parent_id: appended.body.version.id, row_count: 1 });
    expect(replaced.body.version.params.mode).toBe('replace');

    const lineage = await h
      .http()
      .get(`/v1/datasets/${dataset}/versions?limit=2`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(lineage.body.data.map((v: { number: number }) => v.number)).toEqual([3, 2]);
    const rest = await h
      .http()
      .get(`/v1/datasets/${dataset}/versions?limit=2&cursor=${lineage.body.next_cursor}`)
      .set('authorization', bearer(ADMIN_KEY));
    expect(rest.body).toMatchObject({ data: [{ number: 1 }], next_cursor: null });

    const got = await h.http().get(`/v1/datasets/${dataset}`).set('authorization', bearer(ADMIN_KEY));
    expect(got.body.latest_version.number).toBe(3);
  });

  it('gives two concurrent imports into one dataset two consistent, consecutive versions', async () => {
    const first = await upload(
      h,
      '/v1/tasks/sentiment/datasets?name=concurrent',
      jsonl([{ text: 'base', label: 'positive' }]),
    );
    const dataset = first.body.dataset.id;
    const file = (tag: string) =>
      jsonl(Array.from({ length: 3000 }, (_, i) => ({ text: `${tag} ${i}`, label: i % 2 ? 'positive' : 'negative' })));
    const [a, b] = await Promise.all([
      upload(h, `/v1/datasets/${dataset}/versions?mode=replace`, file('alpha')),
      upload(h, `/v1/datasets/${dataset}/versions?mode=replace`, file('beta')),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body.version.number, b.body.version.number].sort()).toEqual([2, 3]);
    for (const [response, tag] of [
      [a, 'alpha'],
      [b, 'beta'],
    ] as const) {
      expect(response.body.version.row_count).toBe(3000);
      const rows = await allExamples(h, response.body.version.id);
      expect(rows).toHaveLength(3000);
      expect(rows.every((row) => row.text.startsWith(tag))).toBe(true);
    }
  });
});
