import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { type TSchema, Type } from 'typebox';
import { authenticatedErrors } from './schemas/common.js';

type Wire = Record<string, unknown>;

/** What one resource's stream needs: how to read it (in its wire shape) and when it has ended. */
export interface ResourceStream {
  /** Names the resource; an id sent for one resource is unknown to another's stream. */
  key: string;
  load: () => Promise<Wire>;
  terminal: (resource: Wire) => boolean;
  /** Bulky fields that never change during a run (a label run's prompt): left out of every event. */
  omit?: readonly string[];
}

export interface StreamOptions {
  intervalMs: number;
  heartbeatMs: number;
  maxDurationMs: number;
  /** Where the count of open streams is published. */
  registry: Registry;
}

/** States sent recently, by event id, so a client that reconnects with Last-Event-ID gets only what changed. */
const REMEMBERED_STATES = 5_000;
const REMEMBERED_MS = 15 * 60_000;
/** How long a client waits before reconnecting (the `retry:` field). */
const RECONNECT_MS = 1_000;

/** The top-level fields whose values differ: what a `progress` or `status` event carries. */
export function changedFields(before: Wire, after: Wire): Wire {
  const changed: Wire = {};
  for (const [field, value] of Object.entries(after)) {
    if (JSON.stringify(before[field]) !== JSON.stringify(value)) changed[field] = value;
  }
  return changed;
}

/**
 * Server-sent events for the resources that run in the background (label runs, fine-tunes,
 * evaluations, pipelines), one mechanism for all: the stream reads the resource every
 * `intervalMs` and sends
 *
 * - `snapshot`: the resource (without its bulky fields), first, and after a reconnect whose
 *   Last-Event-ID is unknown or too old;
 * - `status` (the status changed) or `progress` (anything else did): only the changed fields;
 * - `end`: the resource is terminal; the stream then closes.
 *
 * Every event has an `id:`; a client that reconnects with it as Last-Event-ID gets what changed
 * since (nothing when nothing did). Ids are remembered in this process for 15 minutes: a reconnect
 * to another API process, or after a restart, gets a fresh snapshot. A heartbeat comment keeps
 * proxies from closing an idle stream; a stream closes when the client goes away, after
 * `maxDurationMs`, and when the server starts closing (or it would hold graceful shutdown until
 * its timeout).
 */
export function eventStreams(app: FastifyInstance, options: StreamOptions) {
  const open = new Set<() => void>();
  new Gauge({
    name: 'tuneline_event_streams_open',
    help: 'Server-sent event streams open in this API process',
    registers: [options.registry],
    collect() {
      this.set(open.size);
    },
  });
  app.addHook('preClose', async () => {
    for (const stop of [...open]) stop();
  });

  // Insertion order is age order: the oldest entries go first.
  const states = new Map<string, { key: string; state: Wire; at: number }>();
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  const remember = (key: string, state: Wire): string => {
    const id = `${prefix}-${(++counter).toString(36)}`;
    states.set(id, { key, state, at: Date.now() });
    for (const [old, entry] of states) {
      if (states.size <= REMEMBERED_STATES && Date.now() - entry.at <= REMEMBERED_MS) break;
      states.delete(old);
    }
    return id;
  };
  const recall = (key: string, id: unknown): Wire | undefined => {
    const entry = typeof id === 'string' ? states.get(id) : undefined;
    return entry && entry.key === key && Date.now() - entry.at <= REMEMBERED_MS ? entry.state : undefined;
  };

  return (request: FastifyRequest, reply: FastifyReply, stream: ResourceStream): void => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    raw.write(`retry: ${RECONNECT_MS}\n\n`);
    let timer: NodeJS.Timeout | undefined;
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), options.heartbeatMs);
    const deadline = setTimeout(() => {
      raw.write(': maximum duration reached; reconnect with Last-Event-ID\n\n');
      stop();
    }, options.maxDurationMs);
    const stop = () => {
      if (!open.delete(stop)) return;
      clearTimeout(timer);
      clearTimeout(deadline);
      clearInterval(heartbeat);
      raw.end();
    };
    open.add(stop);
    request.raw.on('close', stop);
    raw.on('close', stop);

    const send = (event: string, id: string, data: unknown) =>
      raw.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const slim = (resource: Wire): Wire => {
      const copy = { ...resource };
      for (const field of stream.omit ?? []) delete copy[field];
      return copy;
    };

    let known = recall(stream.key, request.headers['last-event-id']);
    let lastId = typeof request.headers['last-event-id'] === 'string' ? request.headers['last-event-id'] : '';
    const tick = async () => {
      if (!open.has(stop)) return;
      try {
        const full = await stream.load();
        if (!open.has(stop)) return;
        const state = slim(full);
        if (known === undefined) {
          lastId = remember(stream.key, state);
          send('snapshot', lastId, state);
        } else {
          const changed = changedFields(known, state);
          if (Object.keys(changed).length > 0) {
            lastId = remember(stream.key, state);
            send('status' in changed ? 'status' : 'progress', lastId, { id: state['id'], ...changed });
          }
        }
        known = state;
        if (stream.terminal(full)) {
          send('end', lastId, { id: state['id'], status: state['status'] });
          return stop();
        }
        timer = setTimeout(tick, options.intervalMs);
      } catch (error) {
        request.log.error({ err: error }, 'event stream failed');
        raw.write(`event: error\ndata: ${JSON.stringify({ message: 'stream failed' })}\n\n`);
        stop();
      }
    };
    void tick();
  };
}

export type OpenEventStream = ReturnType<typeof eventStreams>;

/** The 200 of a stream route, for the OpenAPI document. */
const streamResponse = Type.String({
  description:
    'text/event-stream: `snapshot` (the resource), then `status` / `progress` with only the changed fields, `end` when it is terminal; every event has an `id:` to resume with Last-Event-ID',
});

const STREAM_SUMMARY =
  'Server-sent events: a snapshot, then only what changed, until it ends (resume with Last-Event-ID)';

/** The OpenAPI schema of a resource's `/stream` route: the same summary, media type and answers for every resource. */
export const streamRouteSchema = <Params extends TSchema>(route: {
  tags: string[];
  operationId: string;
  params: Params;
  /** What this resource's stream adds to the common summary. */
  note?: string;
}) => ({
  tags: route.tags,
  operationId: route.operationId,
  summary: route.note ? `${STREAM_SUMMARY}; ${route.note}` : STREAM_SUMMARY,
  params: route.params,
  produces: ['text/event-stream'],
  response: { 200: streamResponse, ...authenticatedErrors(404) },
});
