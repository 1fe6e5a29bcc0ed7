import {
  createTunelineClient,
  newIdempotencyKey,
  TunelineProblem,
  unwrap,
  type RetryNotice,
  type TunelineClient,
} from '@tuneline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createHarness, type Harness } from '../helpers/harness.js';
import { TITLE_WORDS } from '../helpers/training.js';

let h: Harness;
let baseUrl: string;
let admin: TunelineClient;
const task = 'titles';

const titles = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const label = i % 2 ? 'instructional' : 'other';
    const words = TITLE_WORDS[label];
    return { text: `${words[i % words.length]} ${words[(i * 7 + 3) % words.length]} video number ${i}`, label };
  });

/** A classify-scoped key, as a client service holds; optionally with its own per-minute limit. */
async function classifyKey(rateLimitPerMinute?: number): Promise<{ id: string; key: string }> {
  const created = await unwrap(
    admin.POST('/v1/api-keys', {
      body: {
        name: 'client service',
        scopes: ['classify'],
        ...(rateLimitPerMinute ? { rate_limit_per_minute: rateLimitPerMinute } : {}),
      },
    }),
  );
  return { id: created.id, key: created.key };
}

/** The TunelineProblem an unwrapped call is expected to fail with. */
async function problemOf(unwrapped: Promise<unknown>): Promise<TunelineProblem> {
  const outcome = await unwrapped.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(TunelineProblem);
  return outcome as TunelineProblem;
}

// Everything below goes through the client over a real connection: the set-up is what an
// ingest service would do, the tests what a serving one would.
beforeAll(async () => {
  h = await createHarness({ PREDICTION_LOG_FLUSH_MS: '20' });
  baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
  admin = createTunelineClient({ baseUrl, apiKey: ADMIN_KEY });
  await unwrap(
    admin.POST('/v1/tasks', {
      body: { slug: task, instructions: 'Label video titles.', labels: [{ name: 'instructional' }, { name: 'other' }] },
    }),
  );
  const imported = await unwrap(
    admin.POST('/v1/tasks/{task}/datasets', {
      params: { path: { task }, query: { name: 'titles' } },
      body: titles(60)
        .map((row) => JSON.stringify(row))
        .join('\n'),
      bodySerializer: (body) => body,
      headers: { 'content-type': 'application/jsonl' },
      idempotencyKey: newIdempotencyKey(),
    }),
  );
  const split = await unwrap(
    admin.POST('/v1/dataset-versions/{version}/derive', {
      params: { path: { version: imported.version.id } },
      body: { operations: [{ op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 1 }] },
    }),
  );
  const model = await unwrap(
    admin.POST('/v1/tasks/{task}/model-versions', {
      params: { path: { task } },
      body: {
        kind: 'prompt',
        provider: 'local',
        name: 'few-shot',
        few_shot_from: { dataset_version_id: split.id, k: 40 },
      },
    }),
  );
  await unwrap(
    admin.POST('/v1/tasks/{task}/routing/promote', {
      params: { path: { task } },
      body: { model_version_id: model.id },
    }),
  );
});
afterAll(async () => {
  await h?.close();
});

describe('the typed client against the real API', () => {
  it('classifies as a client service, with a classify-scoped key', async () => {
    const service = createTunelineClient({ baseUrl, apiKey: (await classifyKey()).key });
    const answer = await unwrap(
      service.POST('/v1/tasks/{task}/classify', {
        params: { path: { task } },
        body: { inputs: ['How to drill the technique step by step', 'Full match vlog and podcast'] },
      }),
    );
    expect(answer.results.map((result) => [result.label, result.served_by])).toEqual([
      ['instructional', 'champion'],
      ['other', 'champion'],
    ]);
    expect(answer.results[0]!.prediction_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('pages through every prediction with paginate, one page at a time', async () => {
    const service = createTunelineClient({ baseUrl, apiKey: (await classifyKey()).key });
    const inputs = titles(25).map((row) => row.text);
    const answer = await unwrap(
      service.POST('/v1/tasks/{task}/classify', { params: { path: { task } }, body: { inputs } }),
    );
    const classified = answer.results.map((result) => result.prediction_id);
    const pages: string[] = [];
    const counting = createTunelineClient({
      baseUrl,
      apiKey: ADMIN_KEY,
      fetch: (request) => {
        pages.push(new URL(request.url).search);
        return fetch(request);
      },
    });
    const listed = async () => {
      pages.length = 0;
      const ids: string[] = [];
      for await (const prediction of counting.paginate('/v1/tasks/{task}/predictions', {
        path: { task },
        query: { limit: 10 },
      }))
        ids.push(prediction.id);
      return ids;
    };
    // The prediction log writes in batches: list until this batch has landed.
    let ids: string[] = [];
    await expect
      .poll(
        async () => {
          ids = await listed();
          return classified.filter((id) => ids.includes(id)).length;
        },
        { timeout: 5_000, interval: 50 },
      )
      .toBe(classified.length);
    expect(new Set(ids).size).toBe(ids.length);
    // 25 here and 2 from the test before: at least three pages of 10, each after the cursor of the one before.
    expect(ids.length).toBeGreaterThanOrEqual(27);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]).not.toContain('cursor=');
    for (const page of pages.slice(1)) expect(page).toContain('cursor=');
  });

  it('throws a typed TunelineProblem for a 4xx, naming the offending field', async () => {
    const problem = await problemOf(
      unwrap(
        admin.POST('/v1/tasks', { body: { slug: 'second', instructions: 'x', labels: [{ name: 'a' }, { name: '' }] } }),
      ),
    );
    const { status, code, errors, request_id } = problem;
    expect({ status, code }).toEqual({ status: 400, code: 'validation_failed' });
    expect(errors.map((error) => error.field)).toContain('body.labels[1].name');
    expect(problem.field('body.labels[1].name')).toBeTruthy();
    expect(request_id).toBe(problem.headers.get('x-request-id'));

    const missing = await problemOf(unwrap(admin.GET('/v1/tasks/{task}', { params: { path: { task: 'nope' } } })));
    expect({ status: missing.status, code: missing.code }).toEqual({ status: 404, code: 'not_found' });
  });

  it('retries a 429 after the wait retry-after asks for, and gives a longer wait back', async () => {
    const { id, key } = await classifyKey(1);
    const retries: RetryNotice[] = [];
    const service = createTunelineClient({
      baseUrl,
      apiKey: key,
      retries: { onRetry: (retry) => retries.push(retry) },
    });
    const classify = () =>
      unwrap(service.POST('/v1/tasks/{task}/classify', { params: { path: { task } }, body: { input: 'vlog' } }));
    await classify();
    // The key's one request this minute is spent. Rather than wait out the minute, the window is
    // shortened where the real limiter keeps it: the next request is refused with retry-after: 2.
    const windows: string[] = [];
    for await (const keys of h.runtime.redis.scanStream({ match: `${h.config.queuePrefix}:rate-limit:*${id}` }))
      windows.push(...(keys as string[]));
    expect(windows).toHaveLength(1);
    await h.runtime.redis.pexpire(windows[0]!, 1_500);

    const started = Date.now();
    const answer = await classify();
    const waitedMs = Date.now() - started;
    expect(answer.results[0]!.label).toBe('other');
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, status: 429, waitMs: 2_000, method: 'POST' })]);
    expect(waitedMs).toBeGreaterThanOrEqual(1_900);

    // A fresh window asks for up to a minute: more than this client waits, so the 429 comes back at once.
    const impatient = createTunelineClient({
      baseUrl,
      apiKey: (await classifyKey(1)).key,
      retries: { maxWaitMs: 1_000 },
    });
    const once = () =>
      unwrap(impatient.POST('/v1/tasks/{task}/classify', { params: { path: { task } }, body: { input: 'vlog' } }));
    await once();
    const refusedAt = Date.now();
    const refused = await problemOf(once());
    expect(Date.now() - refusedAt).toBeLessThan(1_000);
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 429, code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(1);
  });
});
