import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { classify, registerModel, route } from './helpers/classify.js';
import { jsonl, upload } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import type { ResponseJson } from './helpers/response-json.js';
import { splitDataset, waitForFineTune } from './helpers/training.js';

let fake: OpenAIFake;
let h: Harness;
const auth = bearer(ADMIN_KEY);
const MISSING = '01890a5d-ac96-774b-bcce-b302099a8057';

let split: string; // a split, fully labeled version of task "titles"
let partlyLabeled: string; // a version with rows left to label
let datasetId: string;
let promptModel: string;
let otherModel: string;
let predictionId: string;
let exampleIds: string[];

beforeAll(async () => {
  fake = await startOpenAIFake({ jobTiming: { validatingMs: 20, queuedMs: 20, runningMs: 100 } });
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    FINE_TUNE_POLL_MS: '40',
    FINE_TUNE_POLL_MAX_MS: '100',
  });
  split = await splitDataset(h, 'titles');
  const imported = await upload(
    h,
    '/v1/tasks/titles/datasets?name=partly',
    jsonl([...titles(6, true), ...titles(3, false, 'unlabeled')]),
  );
  partlyLabeled = imported.body.version.id;
  datasetId = imported.body.dataset.id;
  const examples = await h
    .http()
    .get(`/v1/dataset-versions/${partlyLabeled}/examples?limit=2`)
    .set('authorization', auth);
  exampleIds = examples.body.data.map((row: { example_id: string }) => row.example_id);
  promptModel = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'baseline' });
  otherModel = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'other-baseline' });
  await route(h, 'titles', { fallback: promptModel });
  const classified = await classify(h, 'titles', { input: 'how to escape mount' });
  predictionId = classified.body.results[0].prediction_id;
  // Feedback needs the prediction in Postgres; the log writes it in the background.
  while ((await count('SELECT count(*) FROM predictions WHERE id = $1', [predictionId])) === 0)
    await new Promise((resolve) => setTimeout(resolve, 50));
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

function titles(n: number, labeled: boolean, prefix = 'video') {
  return Array.from({ length: n }, (_, i) => ({
    text: `${prefix} ${i % 2 ? 'how to drill' : 'vlog'} ${i}`,
    ...(labeled ? { label: i % 2 ? 'instructional' : 'other' } : {}),
  }));
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const result = await h.runtime.database.pool.query(`SELECT (${sql})::int AS n`, params);
  return result.rows[0].n as number;
}

type Variant = 'a' | 'b' | 'failing';

interface CreatingRoute {
  name: string;
  /** `nonce` is new in every test, for names that must be unique. */
  path(nonce: string): string;
  /** Two different valid requests (a, b) and one the handler refuses (failing), all on one path. */
  send(request: Test, variant: Variant, nonce: string): Test;
  /** How many records this route has created so far. */
  records(): Promise<number>;
  idOf(body: ResponseJson): unknown;
}

const json = (bodies: Record<Variant, object>) => (request: Test, variant: Variant) => request.send(bodies[variant]);
const file = (files: Record<Variant, string>) => (request: Test, variant: Variant) =>
  request.set('content-type', 'application/jsonl').send(files[variant]);
const BAD_FILE = '{"text": "no closing brace"\n';

const routes = (): CreatingRoute[] => [
  {
    name: 'POST /v1/tasks',
    path: () => '/v1/tasks',
    send: (request, variant, nonce) =>
      request.send({
        slug: variant === 'failing' ? 'titles' /* exists: 409 */ : `idem-${nonce}-${variant}`,
        instructions: 'x',
        labels: [{ name: 'yes' }, { name: 'no' }],
      }),
    records: () => count("SELECT count(*) FROM tasks WHERE slug LIKE 'idem-%'"),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/tasks/{task}/datasets (streamed)',
    path: (nonce) => `/v1/tasks/titles/datasets?name=streamed-${nonce}`,
    send: file({ a: jsonl(titles(4, true)), b: jsonl(titles(5, true)), failing: BAD_FILE }),
    records: () => count("SELECT count(*) FROM datasets WHERE name LIKE 'streamed-%'"),
    idOf: (body) => [body.dataset.id, body.version.id],
  },
  {
    name: 'POST /v1/datasets/{dataset}/versions (streamed)',
    path: () => `/v1/datasets/${datasetId}/versions?mode=append`,
    send: file({ a: jsonl(titles(2, true, 'more')), b: jsonl(titles(3, true, 'more')), failing: BAD_FILE }),
    records: () => count('SELECT count(*) FROM dataset_versions WHERE dataset_id = $1', [datasetId]),
    idOf: (body) => body.version.id,
  },
  {
    name: 'POST /v1/dataset-versions/{version}/derive',
    path: () => `/v1/dataset-versions/${partlyLabeled}/derive`,
    send: json({
      a: { operations: [{ op: 'dedupe' }] },
      b: { operations: [{ op: 'sample', max_per_label: 2, seed: 1 }] },
      failing: { operations: [{ op: 'relabel', map: { other: 'no-such-label' } }] },
    }),
    records: () =>
      count("SELECT count(*) FROM dataset_versions WHERE parent_id = $1 AND operation = 'derive'", [partlyLabeled]),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/dataset-versions/{version}/reviews',
    path: () => `/v1/dataset-versions/${partlyLabeled}/reviews`,
    send: (request, variant) =>
      request.send({
        overrides:
          variant === 'failing'
            ? [{ example_id: MISSING, label: 'other' }]
            : [{ example_id: exampleIds[variant === 'a' ? 0 : 1], label: 'instructional' }],
      }),
    records: () =>
      count("SELECT count(*) FROM dataset_versions WHERE parent_id = $1 AND operation = 'review'", [partlyLabeled]),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/dataset-versions/{version}/label-runs',
    path: () => `/v1/dataset-versions/${partlyLabeled}/label-runs`,
    send: json({
      a: { provider: 'local', mode: 'few_shot', k: 4 },
      b: { provider: 'local', mode: 'few_shot', k: 3 },
      failing: { provider: 'openai', model: 'gpt-3.5-turbo-0613', mode: 'zero_shot' }, // shut down: 400
    }),
    records: () => count('SELECT count(*) FROM label_runs'),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/tasks/{task}/fine-tunes',
    path: () => '/v1/tasks/titles/fine-tunes',
    send: (request, variant) =>
      request.send({
        dataset_version_id: variant === 'failing' ? MISSING : split,
        provider: 'local',
        seed: variant === 'b' ? 2 : 1,
      }),
    records: () => count('SELECT count(*) FROM fine_tunes'),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/tasks/{task}/model-versions',
    path: () => '/v1/tasks/titles/model-versions',
    send: json({
      a: { kind: 'prompt', provider: 'local', name: 'idem-a' },
      b: { kind: 'prompt', provider: 'local', name: 'idem-b' },
      failing: { kind: 'prompt', provider: 'openai', model: 'gpt-3.5-turbo-0613', name: 'idem-gone' },
    }),
    records: () => count("SELECT count(*) FROM model_versions WHERE name LIKE 'idem-%'"),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/evaluations',
    path: () => '/v1/evaluations',
    send: (request, variant) =>
      request.send({
        model_version_id: { a: promptModel, b: otherModel, failing: MISSING }[variant],
        dataset_version_id: split,
      }),
    records: () => count('SELECT count(*) FROM evaluations'),
    idOf: (body) => body.id,
  },
  {
    name: 'POST /v1/tasks/{task}/pipelines',
    path: () => '/v1/tasks/titles/pipelines',
    send: (request, variant) =>
      request.send({
        dataset_version_id: variant === 'failing' ? MISSING : split,
        candidates: [{ provider: 'local', seed: variant === 'b' ? 2 : 1 }],
      }),
    records: () => count('SELECT count(*) FROM pipelines'),
    idOf: (body) => body.id,
  },
];

let fresh = 0;
const newKey = () => `key-${randomUUID()}`;

describe.each(routes())('Idempotency-Key on $name', (template) => {
  let nonce = '';
  beforeEach(() => {
    nonce = String(++fresh);
  });
  const post = (key: string, variant: Variant) =>
    template.send(
      h.http().post(template.path(nonce)).set('authorization', auth).set('idempotency-key', key),
      variant,
      nonce,
    );

  it('replays the first response for the same key and body, and creates one record', async () => {
    const key = newKey();
    const before = await template.records();
    const first = await post(key, 'a');
    expect(first.status, JSON.stringify(first.body)).toBeLessThan(300);
    const second = await post(key, 'a');
    expect(second.status).toBe(first.status);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body).toEqual(first.body);
    expect(second.headers['location']).toBe(first.headers['location']);
    expect(template.idOf(second.body)).toEqual(template.idOf(first.body));
    expect(await template.records()).toBe(before + 1);
  });

  it('refuses the same key with another body (422), creating nothing', async () => {
    const key = newKey();
    expect((await post(key, 'a')).status).toBeLessThan(300);
    const before = await template.records();
    const other = await post(key, 'b');
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await template.records()).toBe(before);
  });

  it('lets a concurrent duplicate through at most once (409 or a replay)', async () => {
    const key = newKey();
    const before = await template.records();
    const answers = await Promise.all([post(key, 'a'), post(key, 'a')]);
    const created = answers.filter((answer) => answer.status < 300);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const answer of answers.filter((answer) => answer.status >= 300)) {
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('idempotency_key_in_flight');
    }
    expect(new Set(created.map((answer) => JSON.stringify(template.idOf(answer.body)))).size).toBe(1);
    expect(await template.records()).toBe(before + 1);
  });

  it('releases the key when the first request fails, so it can be used again', async () => {
    const key = newKey();
    const failed = await post(key, 'failing');
    expect(failed.status, JSON.stringify(failed.body)).toBeGreaterThanOrEqual(400);
    expect(failed.status).toBeLessThan(500);
    const retried = await post(key, 'b');
    expect(retried.status, JSON.stringify(retried.body)).toBeLessThan(300);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('Idempotency-Key on streamed imports', () => {
  it('identifies a multipart upload by its file, not by the boundary each attempt picks', async () => {
    const key = newKey();
    const send = (rows: object[]) =>
      h
        .http()
        .post('/v1/tasks/titles/datasets?name=multipart')
        .set('authorization', auth)
        .set('idempotency-key', key)
        .attach('file', Buffer.from(jsonl(rows)), 'titles.jsonl');
    const first = await send(titles(4, true));
    expect(first.status).toBe(201);
    const second = await send(titles(4, true));
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.version.id).toBe(first.body.version.id);
    expect((await send(titles(5, true))).status).toBe(422);
    expect(await count("SELECT count(*) FROM datasets WHERE name = 'multipart'")).toBe(1);
  });

  it('treats another query string as another request', async () => {
    const key = newKey();
    const body = jsonl(titles(3, true));
    const send = (name: string) =>
      upload(h, `/v1/tasks/titles/datasets?name=${name}`, body).set('idempotency-key', key);
    expect((await send('query-a')).status).toBe(201);
    expect((await send('query-b')).status).toBe(422);
  });
});

describe('Idempotency-Key scope and other creating routes', () => {
  it('keeps one key per API key: another key with the same Idempotency-Key creates its own record', async () => {
    const key = newKey();
    const created = await h
      .http()
      .post('/v1/api-keys')
      .set('authorization', auth)
      .send({ name: 'writer', scopes: ['write'] });
    const send = (apiKey: string) =>
      h
        .http()
        .post('/v1/tasks/titles/model-versions')
        .set('authorization', bearer(apiKey))
        .set('idempotency-key', key)
        .send({ kind: 'prompt', provider: 'local', name: 'scoped' });
    const mine = await send(ADMIN_KEY);
    const theirs = await send(created.body.key);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('replays a cost projection, JSON or SVG, with its content type', async () => {
    const key = newKey();
    const body = {
      daily_volume: 1000,
      horizon_days: 30,
      options: [
        { name: 'a', scenario: 'few_shot', model: 'gpt-4o-mini', price_per_million: { input: 0.15, output: 0.6 } },
      ],
    };
    const send = () =>
      h
        .http()
        .post('/v1/cost-projections')
        .set('authorization', auth)
        .set('idempotency-key', key)
        .set('accept', 'image/svg+xml')
        .send(body);
    const first = await send();
    const second = await send();
    expect(first.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.text).toBe(first.text);
    const other = await h
      .http()
      .post('/v1/cost-projections')
      .set('authorization', auth)
      .set('idempotency-key', key)
      .send({ ...body, daily_volume: 2000 });
    expect(other.status).toBe(422);
  });

  it('records feedback once for one key: a replay does not write it again', async () => {
    const key = newKey();
    const send = (label: string) =>
      h
        .http()
        .post(`/v1/predictions/${predictionId}/feedback`)
        .set('authorization', auth)
        .set('idempotency-key', key)
        .send({ label });
    const written = () =>
      h.runtime.database.pool.query('SELECT label, updated_at FROM prediction_feedback WHERE prediction_id = $1', [
        predictionId,
      ]);
    const first = await send('instructional');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const before = (await written()).rows;
    const second = await send('instructional');
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((await written()).rows).toEqual(before);
    expect((await send('other')).status).toBe(422);
    expect((await written()).rows).toEqual(before);
  });

  it('merges feedback once for one key', async () => {
    const key = newKey();
    const versionOfPrediction = split;
    const send = (body: object) =>
      h
        .http()
        .post(`/v1/dataset-versions/${versionOfPrediction}/merge-feedback`)
        .set('authorization', auth)
        .set('idempotency-key', key)
        .send(body);
    const records = () => count("SELECT count(*) FROM dataset_versions WHERE operation = 'merge_feedback'");
    const before = await records();
    const first = await send({});
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await send({});
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(await records()).toBe(before + 1);
  });
});

describe('a hosted fine-tune created twice with one key', () => {
  it('creates one fine-tune and one provider job (billed once)', async () => {
    const workers = await startWorkers(h, ['training'], 2);
    try {
      const key = newKey();
      const body = {
        dataset_version_id: split,
        provider: 'openai',
        base_model: 'gpt-4o-mini-2024-07-18',
        suffix: 'idem',
      };
      const send = () =>
        h.http().post('/v1/tasks/titles/fine-tunes').set('authorization', auth).set('idempotency-key', key).send(body);
      const jobsBefore = fake.state.jobs.size;
      const first = await send();
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      const [second, third] = await Promise.all([send(), send()]);
      expect([second.body.id, third.body.id]).toEqual([first.body.id, first.body.id]);
      const done = await waitForFineTune(h, first.body.id);
      expect(done.status).toBe('succeeded');
      expect((await send()).body.id).toBe(first.body.id);
      expect(fake.state.jobs.size).toBe(jobsBefore + 1);
      expect(await count("SELECT count(*) FROM fine_tunes WHERE provider = 'openai'")).toBe(1);
    } finally {
      await workers.close();
    }
  });
});
