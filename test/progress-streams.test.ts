import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIFake, type OpenAIFake } from './fakes/openai/index.js';
import { createTask, jsonl, upload } from './helpers/datasets.js';
import { parseEventStream, type StreamEvent } from './helpers/event-stream.js';
import { ADMIN_KEY, bearer, createHarness, startWorkers, type Harness } from './helpers/harness.js';
import { getRun, startRun, waitForRun } from './helpers/label-runs.js';

let fake: OpenAIFake;
let h: Harness;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let version: string;
const auth = bearer(ADMIN_KEY);
const EXAMPLES = 80;

beforeAll(async () => {
  // Every answer takes 150 ms, so a run lasts a few seconds and can be watched.
  fake = await startOpenAIFake({ faults: { latencyMs: 150, paths: ['/chat/completions'] } });
  fake.script({ rules: [{ contains: 'refund', answer: 'billing' }], default: 'other' });
  // Short heartbeats and a short maximum duration, so a client has to reconnect during a run.
  h = await createHarness({
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.url,
    SSE_HEARTBEAT_MS: '200',
    SSE_MAX_DURATION_MS: '1500',
  });
  workers = await startWorkers(h, ['labeling'], 2);
  await createTask(h, 'tickets', ['billing', 'other']);
  const texts = Array.from({ length: EXAMPLES }, (_, i) => (i % 2 ? `refund order ${i}` : `hello there ${i}`));
  version = (await upload(h, '/v1/tasks/tickets/datasets?name=tickets', jsonl(texts.map((text) => ({ text }))))).body
    .version.id;
});
afterAll(async () => {
  await workers?.close();
  await h?.close();
  await fake?.close();
});

const stream = (path: string, lastEventId?: string) => {
  const request = h.http().get(path).set('authorization', auth);
  return lastEventId ? request.set('last-event-id', lastEventId) : request;
};

describe('progress of long work', () => {
  it('estimates rate and ETA from the last seconds of answers: null at first, then close to the truth', async () => {
    const run = await startRun(h, version, { provider: 'openai', model: 'gpt-4o-mini' });
    const seen: { elapsedMs: number; eta: number | null; rate: number | null; done: number }[] = [];
    let current = run;
    let endedAt = 0;
    while (!['completed', 'failed', 'cancelled'].includes(current.status)) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      current = await getRun(h, run.id);
      if (current.status === 'running' && current['started_at']) {
        seen.push({
          elapsedMs: Date.now() - Date.parse(current['started_at']),
          eta: current['eta_seconds'],
          rate: current['rate_per_minute'],
          done: current['done'],
        });
      }
    }
    endedAt = Date.now();
    expect(current.status).toBe('completed');
    const started = Date.parse(current['started_at']);
    const tookS = (endedAt - started) / 1000;
    expect(tookS).toBeGreaterThan(2);
    // Samples are per wall-clock second, so three of them need more than one second after the
    // start (a start at x.95 s reaches its third bucket at 1.05 s): before that, no rate, no ETA.
    for (const sample of seen.filter((s) => s.elapsedMs < 1_000)) {
      expect(sample.eta).toBeNull();
      expect(sample.rate).toBeNull();
    }
    // (An ETA of 0 with no rate: every row answered, the run still finishing.)
    const estimated = seen.filter((s) => s.eta !== null && s.eta > 0);
    expect(estimated.length).toBeGreaterThan(0);
    // The per-minute count said e.g. 60 left / 20 in the last minute × 60 = 180 s for a run of seconds.
    for (const sample of estimated) {
      const actualLeftS = tookS - sample.elapsedMs / 1000;
      expect(sample.eta!).toBeLessThanOrEqual(Math.max(3, actualLeftS * 3));
      expect(sample.rate!).toBeGreaterThan(60);
    }
    expect(current).toMatchObject({ eta_seconds: 0, rate_per_minute: null });
  });

  it('streams a snapshot without the prompt, then only what changed, across reconnects, to the end', async () => {
    const run = await startRun(h, version, { provider: 'openai', model: 'gpt-4o-mini', only_unlabeled: false });
    const connections: { events: StreamEvent[]; comments: string[] }[] = [];
    let lastId: string | undefined;
    while (connections.length < 20) {
      const response = await stream(`/v1/label-runs/${run.id}/stream`, lastId);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain('text/event-stream');
      const parsed = parseEventStream(response.text);
      connections.push(parsed);
      lastId = parsed.events.at(-1)?.id ?? lastId;
      if (parsed.events.at(-1)?.event === 'end') break;
    }
    // The run outlasts the 1.5 s maximum: the stream was closed and resumed.
    expect(connections.length).toBeGreaterThan(1);
    expect(connections[0]!.comments).toContain('heartbeat');
    expect(connections[0]!.comments.at(-1)).toContain('maximum duration');

    const all = connections.flatMap((c) => c.events);
    expect(all.every((event) => typeof event.id === 'string' && event.id.length > 0)).toBe(true);
    // One snapshot only: every reconnect carried a known id and got what it missed.
    expect(all.filter((event) => event.event === 'snapshot')).toHaveLength(1);
    const [snapshot] = all;
    expect(snapshot!.event).toBe('snapshot');
    expect(snapshot!.data).not.toHaveProperty('prompt');
    expect(snapshot!.data).toMatchObject({ id: run.id, model: 'gpt-4o-mini', total: EXAMPLES });
    for (const event of all.slice(1, -1)) {
      expect(['progress', 'status']).toContain(event.event);
      expect(event.data['id']).toBe(run.id);
      for (const unchanged of ['prompt', 'params', 'model', 'total', 'task_id', 'created_at'])
        expect(event.data).not.toHaveProperty(unchanged);
      if (event.event === 'status') expect(event.data).toHaveProperty('status');
    }
    // Replaying the changes onto the snapshot gives the run as it ended.
    const replayed = Object.assign({}, snapshot!.data, ...all.slice(1, -1).map((event) => event.data));
    const { prompt: _prompt, ...final } = await getRun(h, run.id);
    expect(replayed).toEqual(final);
    expect(all.at(-1)).toMatchObject({ event: 'end', data: { id: run.id, status: 'completed' } });
    const progressBytes = all
      .filter((event) => event.event === 'progress')
      .map((event) => JSON.stringify(event.data).length);
    expect(Math.max(...progressBytes)).toBeLessThan(400);

    // Reconnecting with the last id of an ended run: nothing changed, so only the end.
    const after = parseEventStream((await stream(`/v1/label-runs/${run.id}/stream`, lastId)).text).events;
    expect(after.map((event) => event.event)).toEqual(['end']);
    // An unknown id gets a fresh snapshot; so does another resource's id.
    for (const id of ['not-an-id', lastId!]) {
      const other = await startRun(h, version, { provider: 'local' });
      await waitForRun(h, other.id);
      const fresh = parseEventStream((await stream(`/v1/label-runs/${other.id}/events`, id)).text).events;
      expect(fresh.map((event) => event.event)).toEqual(['snapshot', 'end']);
      expect(fresh[0]!.data).toMatchObject({ id: other.id, status: 'completed' });
    }
  });

  it('closes a stream when the client goes away', async () => {
    const run = await startRun(h, version, { provider: 'openai', model: 'gpt-4o-mini', only_unlabeled: false });
    const openStreams = async () =>
      (await h.runtime.metrics.getSingleMetric('tuneline_event_streams_open')!.get()).values[0]!.value;
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const response = await fetch(`${address}/v1/label-runs/${run.id}/stream`, {
      headers: { authorization: auth },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('retry:');
    expect(await openStreams()).toBe(1);
    controller.abort();
    await expect.poll(openStreams, { timeout: 2_000 }).toBe(0);
    await waitForRun(h, run.id);
  });
});
