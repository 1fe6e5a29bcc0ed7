import { ADMIN_KEY, bearer, type Harness } from './harness.js';

export const jsonl = (rows: object[]): string => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;

export async function createTask(h: Harness, slug: string, labels: (string | { name: string; order?: number })[]) {
  const response = await h
    .http()
    .post('/v1/tasks')
    .set('authorization', bearer(ADMIN_KEY))
    .send({
      slug,
      instructions: `Classify for ${slug}.`,
      labels: labels.map((label) => (typeof label === 'string' ? { name: label } : label)),
    });
  if (response.status !== 201) throw new Error(`task: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; slug: string };
}

/** POSTs a raw upload and returns the response. */
export function upload(h: Harness, path: string, body: string | Buffer, contentType = 'application/jsonl') {
  return h.http().post(path).set('authorization', bearer(ADMIN_KEY)).set('content-type', contentType).send(body);
}

export async function allExamples(h: Harness, versionId: string, query = '') {
  const rows: {
    text: string;
    label: string | null;
    split: string | null;
    example_id: string;
    label_source: string | null;
    confidence: number | null;
  }[] = [];
  let cursor: string | null = null;
  do {
    const response: { status: number; body: { data: typeof rows; next_cursor: string | null } } = await h
      .http()
      .get(`/v1/dataset-versions/${versionId}/examples?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`)
      .set('authorization', bearer(ADMIN_KEY));
    if (response.status !== 200) throw new Error(`examples: ${response.status} ${JSON.stringify(response.body)}`);
    rows.push(...response.body.data);
    cursor = response.body.next_cursor;
  } while (cursor);
  return rows;
}

/** `count` labeled support tickets, alternating billing ("refund …") and other ("hello …"). */
export const ticketRows = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    text: `${i % 2 ? 'refund' : 'hello'} request ${i}`,
    label: i % 2 ? 'billing' : 'other',
  }));
