import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, createTask, jsonl, upload } from './helpers/datasets.js';
import { createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ LOG_LEVEL: 'error' });
  await createTask(
    h,
    'reviews',
    [1, 2, 3, 4, 5].map((n) => ({ name: String(n), order: n })),
  );
});
afterAll(async () => {
  await h?.close();
});

const template = (value: string) => `text_template=${encodeURIComponent(value)}`;
const csv = (rows: number) =>
  `review_title,review_body,stars\n${Array.from({ length: rows }, (_, i) => `Title ${i},"Body, ${i}",${(i % 5) + 1}`).join('\n')}\n`;

describe('text_template: several fields into one text', () => {
  it('joins CSV columns, reading \\n in the template as a newline', async () => {
    const response = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=tpl-csv&label_column=stars&${template('{review_title}\\n\\n{review_body}')}`,
      csv(3),
      'text/csv',
    );
    expect(response.status).toBe(201);
    expect(response.body.version.params.text_template).toBe('{review_title}\\n\\n{review_body}');
    const rows = await allExamples(h, response.body.version.id);
    expect(rows.map((r) => [r.text, r.label])).toEqual([
      ['Title 0\n\nBody, 0', '1'],
      ['Title 1\n\nBody, 1', '2'],
      ['Title 2\n\nBody, 2', '3'],
    ]);
  });

  it('takes a real (URL-encoded) newline as it is, and {{ }} as literal braces', async () => {
    const response = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=tpl-real-nl&label_column=stars&${template('{{{review_title}}}\n{review_body}')}`,
      csv(1),
      'text/csv',
    );
    expect(response.status).toBe(201);
    expect((await allExamples(h, response.body.version.id)).map((r) => r.text)).toEqual(['{Title 0}\nBody, 0']);
  });

  it('joins JSONL fields (numbers as written), detecting JSONL without a "text" field', async () => {
    const body = jsonl([
      { review_title: 'Great', review_body: 'Works well', stars: 5, label: '5' },
      { review_title: 'Version', review_body: 2, label: '2' },
    ]);
    const response = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=tpl-jsonl&${template('{review_title}\\n\\n{review_body}')}`,
      body,
    );
    expect(response.status).toBe(201);
    expect(response.body.import.format).toBe('jsonl');
    expect((await allExamples(h, response.body.version.id)).map((r) => [r.text, r.label])).toEqual([
      ['Great\n\nWorks well', '5'],
      ['Version\n\n2', '2'],
    ]);
  });

  it('a CSV missing a column gives one header error naming it, not one per line (on_error=skip too)', async () => {
    for (const onError of ['fail', 'skip']) {
      const response = await upload(
        h,
        `/v1/tasks/reviews/datasets?name=tpl-missing-${onError}&on_error=${onError}&label_column=stars&${template('{review_title}\\n\\n{body}\\n{extra}')}`,
        csv(400),
        'text/csv',
      );
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.code).toBe('invalid_file');
      expect(response.body.errors).toEqual([
        {
          field: 'query.text_template',
          message:
            'line 1 (header): no column "body", "extra"; columns present: "review_title", "review_body", "stars"',
        },
      ]);
      expect(response.body.details).toMatchObject({ error_count: 1, errors: [{ line: 1, reason: 'missing_column' }] });
    }
  });

  it('a CSV without the text column gives one header error too', async () => {
    const response = await upload(
      h,
      '/v1/tasks/reviews/datasets?name=no-text-col&text_column=review',
      csv(50),
      'text/csv',
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        field: 'query.text_column',
        message: 'line 1 (header): no column "review"; columns present: "review_title", "review_body", "stars"',
      },
    ]);
  });

  it('JSONL lines missing a field give one error: the first line and how many lines', async () => {
    const lines = [
      { review_title: 'ok', review_body: 'fine', label: '4' },
      ...Array.from({ length: 399 }, (_, i) => ({ review_title: `t${i}`, label: '1' })),
    ];
    const response = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=tpl-jsonl-missing&${template('{review_title}\\n\\n{review_body}')}`,
      jsonl(lines),
    );
    expect(response.status).toBe(400);
    expect(response.body.details.error_count).toBe(399);
    expect(response.body.details.errors).toEqual([
      {
        line: 2,
        reason: 'missing_field',
        message: 'no field "review_body" (on 399 lines, the first is line 2)',
        count: 399,
      },
    ]);
    expect(response.body.errors).toEqual([
      { field: 'query.text_template', message: 'line 2: no field "review_body" (on 399 lines, the first is line 2)' },
    ]);

    const skipped = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=tpl-jsonl-skip&on_error=skip&${template('{review_title}\\n\\n{review_body}')}`,
      jsonl(lines),
    );
    expect(skipped.status).toBe(201);
    expect(skipped.body.import).toMatchObject({ imported: 1, skipped: 399, error_count: 399 });
    expect(skipped.body.import.errors).toHaveLength(1);
  });

  it.each([
    ['{review_title', 'unclosed "{" at position 0'],
    ['review_title}', 'unmatched "}" at position 12; write "}}" for a literal brace'],
    ['{}', 'empty placeholder "{}" at position 0'],
    ['', 'must not be empty'],
    ['no fields', 'names no field; use placeholders such as {review_title}'],
  ])('refuses the template %j', async (value, message) => {
    const response = await upload(h, `/v1/tasks/reviews/datasets?name=bad-tpl&${template(value)}`, csv(1), 'text/csv');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual([{ field: 'query.text_template', message }]);
  });

  it('refuses text_template with text_column, or with a chat file', async () => {
    const both = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=both&text_column=review_body&${template('{review_title}')}`,
      csv(1),
      'text/csv',
    );
    expect(both.status).toBe(400);
    expect(both.body.errors[0].field).toBe('query.text_template');
    const chat = await upload(
      h,
      `/v1/tasks/reviews/datasets?name=chat&format=openai-chat&${template('{review_title}')}`,
      jsonl([{ messages: [{ role: 'user', content: 'hi' }] }]),
    );
    expect(chat.status).toBe(400);
    expect(chat.body.errors).toEqual([
      { field: 'query.text_template', message: 'applies to csv and jsonl files, not openai-chat' },
    ]);
  });
});
