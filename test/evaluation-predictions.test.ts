import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAndWait } from './helpers/evaluations.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { splitDataset } from './helpers/training.js';

let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let evaluationId: string | undefined;
const auth = bearer(ADMIN_KEY);

interface Prediction {
  seq: number;
  example_id: string;
  text: string;
  current_label: string | null;
  true_label: string;
  predicted: string | null;
}

beforeAll(async () => {
  h = await createHarness();
  workers = await startWorkers(h, ['evaluation'], 4);
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
});

// expect.poll (inside evaluateAndWait) only runs inside a test, so the first test to need the
// evaluation makes it and the others reuse it.
async function evaluation(): Promise<string> {
  if (evaluationId) return evaluationId;
  const version = await splitDataset(h, 'titles', 200);
  // Zero-shot from the label names alone: a weak model, so there are mistakes to filter.
  const model = await h
    .http()
    .post('/v1/tasks/titles/model-versions')
    .set('authorization', auth)
    .send({ kind: 'prompt', provider: 'local', name: 'zero-shot' });
  const evaluated = await evaluateAndWait(h, model.body.id, version);
  expect(evaluated['status']).toBe('completed');
  evaluationId = evaluated['id'] as string;
  return evaluationId;
}

const predictions = async (query: string) => {
  const response = await h
    .http()
    .get(`/v1/evaluations/${await evaluation()}/predictions?${query}`)
    .set('authorization', auth);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { data: Prediction[]; next_cursor: string | null };
};

async function all(query: string): Promise<Prediction[]> {
  const rows: Prediction[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Prediction[]; next_cursor: string | null } = await predictions(
      `${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

describe('evaluation predictions for review', () => {
  it('honours limit and pages with a cursor, each row beside its text and current label', async () => {
    const first = await predictions('limit=1');
    expect(first.data).toHaveLength(1);
    expect(first.next_cursor).toEqual(expect.any(String));
    expect(first.data[0]!.text).toMatch(/video number/);
    expect(first.data[0]!.current_label).toBe(first.data[0]!.true_label);
    const rows = await all('limit=7');
    expect(rows).toHaveLength(30);
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(rows[0]).toEqual(first.data[0]);
  });

  it('filters by outcome and by label, and the filters add up', async () => {
    const everything = await all('limit=100');
    const wrong = await all('correct=false&limit=4');
    const right = await all('correct=true');
    expect(wrong.length).toBeGreaterThan(0);
    expect(wrong.every((row) => row.predicted !== row.true_label)).toBe(true);
    expect(right.every((row) => row.predicted === row.true_label)).toBe(true);
    expect(wrong.length + right.length).toBe(everything.length);
    const trueOther = await all('true_label=other');
    expect(trueOther.map((row) => row.seq)).toEqual(
      everything.filter((row) => row.true_label === 'other').map((row) => row.seq),
    );
    const predictedOther = await all('predicted_label=other&correct=false');
    expect(predictedOther.map((row) => row.seq)).toEqual(
      everything.filter((row) => row.predicted === 'other' && row.true_label !== 'other').map((row) => row.seq),
    );
  });

  it('refuses a cursor it did not make and a limit over 1000', async () => {
    const bad = await h
      .http()
      .get(`/v1/evaluations/${await evaluation()}/predictions?cursor=nope`)
      .set('authorization', auth);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_cursor');
    const big = await h
      .http()
      .get(`/v1/evaluations/${await evaluation()}/predictions?limit=1001`)
      .set('authorization', auth);
    expect(big.status).toBe(400);
  });
});
