import { createTunelineClient, TunelineProblem, unwrap, type FetchLike, type TunelineClient } from '@tuneline/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai/index.js';
import { ADMIN_KEY, createHarness, startWorkers, type Harness } from '../helpers/harness.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let baseUrl: string;
let admin: TunelineClient;
let version: string;
const EXAMPLES = 40;

beforeAll(async () => {
  // Every answer takes 100 ms, so a run lasts a few seconds and has progress to follow.
  fake = await startOpenAIFake({ faults: { latencyMs: 100, paths: ['/chat/completions'] } });
  fake.script({ rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' });
  // A short maximum duration: the server closes each stream after a second, so the client must resume.
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    SSE_HEARTBEAT_MS: '200',
    SSE_MAX_DURATION_MS: '1000',
  });
  workers = await startWorkers(h, ['labeling'], 2);
  baseUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
  admin = createTunelineClient({ baseUrl, apiKey: ADMIN_KEY });
  await unwrap(
    admin.POST('/v1/tasks', {
      body: { slug: 'tickets', instructions: 'Route tickets.', labels: [{ name: 'billing' }, { name: 'other' }] },
    }),
  );
  const texts = Array.from({ length: EXAMPLES }, (_, i) => (i % 2 ? `refund order ${i}` : `hello there ${i}`));
  const imported = await unwrap(
    admin.POST('/v1/tasks/{task}/datasets', {
      params: { path: { task: 'tickets' }, query: { name: 'tickets' } },
      body: texts.map((text) => JSON.stringify({ text })).join('\n'),
      bodySerializer: (body) => body,
      headers: { 'content-type': 'application/jsonl' },
    }),
  );
  version = imported.version.id;
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const startRun = () =>
  unwrap(
    admin.POST('/v1/dataset-versions/{version}/label-runs', {
      params: { path: { version } },
      body: { provider: 'openai', model: 'gpt-4o-mini', only_unlabeled: false },
    }),
  );

/** A fetch that records the Last-Event-ID of every stream request. */
function recording(): { fetch: FetchLike; resumedFrom: (string | null)[] } {
  const resumedFrom: (string | null)[] = [];
  return {
    resumedFrom,
    fetch: (request) => {
      if (request.url.endsWith('/stream')) resumedFrom.push(request.headers.get('last-event-id'));
      return fetch(request);
    },
  };
}

describe('following a label run with events()', () => {
  it('follows it to completion across the server closing the stream, resuming with Last-Event-ID', async () => {
    const run = await startRun();
    const { fetch: send, resumedFrom } = recording();
    const client = createTunelineClient({ baseUrl, apiKey: ADMIN_KEY, fetch: send });
    const kinds: string[] = [];
    const done: number[] = [];
    let last: Awaited<ReturnType<typeof startRun>> | undefined;
    for await (const event of client.events('/v1/label-runs/{run}/stream', { path: { run: run.id } })) {
      kinds.push(event.event);
      done.push(event.state.done);
      if (event.event === 'end') expect(event.data).toEqual({ id: run.id, status: 'completed' });
      last = event.state as typeof last;
    }
    // Each reconnection named the last event seen, so the server sent only what changed: one snapshot.
    expect(resumedFrom.length).toBeGreaterThan(1);
    expect(resumedFrom[0]).toBeNull();
    expect(resumedFrom.slice(1).every((id) => typeof id === 'string')).toBe(true);
    expect(kinds.filter((kind) => kind === 'snapshot')).toEqual(['snapshot']);
    expect(kinds[0]).toBe('snapshot');
    expect(kinds.at(-1)).toBe('end');
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // The snapshot with every change applied is the run as it ended (less its prompt).
    const { prompt: _prompt, ...final } = await unwrap(
      admin.GET('/v1/label-runs/{run}', { params: { path: { run: run.id } } }),
    );
    expect(last).toEqual(final);
    expect(final).toMatchObject({ status: 'completed', done: EXAMPLES });

    // A run that has ended: its snapshot and the end, at once.
    const again: string[] = [];
    for await (const event of admin.events('/v1/label-runs/{run}/stream', { path: { run: run.id } }))
      again.push(event.event);
    expect(again).toEqual(['snapshot', 'end']);
  });

  it('reconnects after the connection drops mid-stream and still gets every change once', async () => {
    const run = await startRun();
    let dropped = false;
    const resumedFrom: (string | null)[] = [];
    // The first stream's body breaks right after the snapshot, as a reset connection would.
    const dropping: FetchLike = async (request) => {
      const response = await fetch(request);
      if (!request.url.endsWith('/stream')) return response;
      resumedFrom.push(request.headers.get('last-event-id'));
      if (dropped) return response;
      dropped = true;
      const reader = response.body!.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          if (new TextDecoder().decode(value).includes('event: snapshot')) {
            await reader.cancel();
            controller.error(new TypeError('terminated: other side closed'));
          }
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = createTunelineClient({ baseUrl, apiKey: ADMIN_KEY, fetch: dropping });
    const kinds: string[] = [];
    let status: string | undefined;
    for await (const event of client.events('/v1/label-runs/{run}/stream', { path: { run: run.id } })) {
      kinds.push(event.event);
      status = event.state.status;
    }
    expect(dropped).toBe(true);
    expect(resumedFrom[1]).toEqual(expect.any(String));
    expect(kinds.filter((kind) => kind === 'snapshot')).toHaveLength(1);
    expect(kinds.at(-1)).toBe('end');
    expect(status).toBe('completed');
  });

  it('throws the TunelineProblem of a stream that does not exist, without retrying', async () => {
    const { fetch: send, resumedFrom } = recording();
    const client = createTunelineClient({ baseUrl, apiKey: ADMIN_KEY, fetch: send });
    const events = client.events('/v1/label-runs/{run}/stream', {
      path: { run: '0190d8f0-0000-7000-8000-000000000000' },
    });
    const problem = await events.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(problem).toBeInstanceOf(TunelineProblem);
    expect((problem as TunelineProblem).status).toBe(404);
    expect(resumedFrom).toHaveLength(1);
  });
});
