import { EventSourceParserStream } from 'eventsource-parser/stream';
import { TunelineClientError } from './paginate.js';
import { TunelineProblem, type CallResult } from './problem.js';
import { retryAfterMs, sleep } from './retry.js';
import type { paths } from './schema.js';
import type { PathsWith, ResponseBody } from './types.js';

type GetPath = PathsWith<'get'>;

/** The routes that answer with server-sent events (`/v1/label-runs/{run}/stream`, ...). */
export type StreamPath = {
  [P in GetPath]: paths[P]['get'] extends { responses: { 200: { content: { 'text/event-stream': unknown } } } }
    ? P
    : never;
}[GetPath];
export type StreamParams<P extends StreamPath> = paths[P]['get'] extends { parameters: infer Params } ? Params : never;

/** The resource a stream follows: the JSON of the route without `/stream` (or `/events`). */
export type StreamResource<P extends StreamPath> = P extends `${infer Resource}/${'stream' | 'events'}`
  ? Resource extends GetPath
    ? ResponseBody<Resource, 'get'>
    : never
  : never;
// A label run's stream leaves out its prompt: bulky, and it never changes during a run.
type Snapshot<R> = Omit<R, 'prompt'>;
type Status<R> = R extends { status: infer S } ? S : string;

interface EventBase<R> {
  /** Resume from here: sent as Last-Event-ID when the client reconnects. */
  id: string;
  /** The resource as the events so far tell it: the last snapshot with every change since applied. */
  state: Snapshot<R>;
}
/** One event of a resource's stream, typed after the resource. */
export type StreamEvent<P extends StreamPath, R = StreamResource<P>> =
  | (EventBase<R> & { event: 'snapshot'; data: Snapshot<R> })
  | (EventBase<R> & { event: 'progress' | 'status'; data: Partial<Snapshot<R>> & { id: string } })
  | (EventBase<R> & { event: 'end'; data: { id: string; status: Status<R> } });

export interface EventOptions {
  signal?: AbortSignal;
  /** Resume a stream read earlier, from this event id. */
  lastEventId?: string;
  /**
   * Reconnections in a row that got nothing from the server (refused, dropped before any event or
   * heartbeat, or ended with the server's `error` event) before the client gives up. Default 5.
   */
  maxReconnects?: number;
  /** The longest wait between reconnections, whatever the server asks. Default 30 s. */
  maxReconnectDelayMs?: number;
}

const KINDS = new Set(['snapshot', 'progress', 'status', 'end']);
type LooseGet = (
  path: string,
  init: { params: unknown; parseAs: 'stream'; headers: Record<string, string>; signal?: AbortSignal },
) => Promise<CallResult<ReadableStream<ArrayBufferView | ArrayBuffer> | null>>;

/** A status that may pass: the server is overloaded or restarting, not refusing this stream. */
const passing = (status: number) => status === 429 || status === 502 || status === 503 || status === 504;

/**
 * A resource's server-sent events as an async iterator. On a dropped or closed connection it
 * reconnects after the server's `retry:` delay with Last-Event-ID, so it receives only what
 * changed meanwhile (or a fresh snapshot from another API process). It returns after the `end`
 * event; it throws the TunelineProblem of a refusal that will not pass (401, 403, 404), and a
 * TunelineClientError after `maxReconnects` fruitless reconnections in a row.
 */
export async function* followEvents<P extends StreamPath>(
  get: unknown,
  path: P,
  params: StreamParams<P>,
  options: EventOptions = {},
): AsyncGenerator<StreamEvent<P>> {
  type Event = StreamEvent<P>;
  const maxReconnects = options.maxReconnects ?? 5;
  const maxDelayMs = options.maxReconnectDelayMs ?? 30_000;
  let lastId = options.lastEventId;
  let delayMs = 1_000;
  let fruitless = 0;
  let state = {} as Event['state'];
  for (;;) {
    let heard = false;
    let wait: number | undefined;
    try {
      const result = await (get as LooseGet)(path, {
        params,
        parseAs: 'stream',
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal: options.signal,
      });
      if (!result.response.ok) {
        const problem = TunelineProblem.from(result.error, result.response);
        if (!passing(problem.status)) throw problem;
        wait = retryAfterMs(result.response.headers.get('retry-after'));
      } else if (result.data) {
        const messages = result.data.pipeThrough(new TextDecoderStream()).pipeThrough(
          new EventSourceParserStream({
            onRetry: (ms) => {
              delayMs = ms;
            },
            onComment: () => {
              heard = true;
            },
          }),
        );
        const reader = messages.getReader();
        try {
          for (;;) {
            const { done, value: message } = await reader.read();
            if (done) break;
            // The server's `error` event: its stream failed; a new connection may not.
            if (message.event === 'error') {
              heard = false;
              break;
            }
            if (!message.event || !KINDS.has(message.event) || !message.id) continue;
            heard = true;
            lastId = message.id;
            const data = JSON.parse(message.data) as Event['data'];
            state = (message.event === 'snapshot' ? { ...data } : { ...state, ...data }) as Event['state'];
            yield { event: message.event, id: message.id, data, state } as Event;
            if (message.event === 'end') return;
          }
        } finally {
          await reader.cancel().catch(() => undefined);
        }
      }
    } catch (error) {
      if (error instanceof TunelineProblem || options.signal?.aborted) throw error;
      // A dropped connection (reset, network gone): reconnect like after a clean close.
    }
    fruitless = heard ? 0 : fruitless + 1;
    if (fruitless > maxReconnects)
      throw new TunelineClientError(`${path}: ${fruitless} reconnections in a row got nothing from the server`);
    await sleep(Math.min(Math.max(0, wait ?? delayMs), maxDelayMs), options.signal ?? null);
  }
}
