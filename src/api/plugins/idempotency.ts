import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { Type, type TObject } from 'typebox';
import { requestFingerprint } from '../../domain/idempotency/request-fingerprint.js';
import { errors } from '../../errors.js';
import type { IdempotencyStore, Reservation, StoredResponse } from '../../lib/idempotency-store.js';

/** A streamed body, hashed as the handler reads it. */
export interface StreamedBody {
  digest(): Promise<string>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Honour `Idempotency-Key` here. `true` for JSON bodies. A route that streams its body names
     * how to open it: once per request (memoised), so the plugin hashes the very stream the
     * handler reads, and a repeat is hashed (and discarded) without running the handler.
     */
    idempotent?: true | { streamedBody: (request: FastifyRequest) => Promise<StreamedBody> };
  }
}

const IDEMPOTENCY_HEADER = 'idempotency-key';

const HeaderSchema = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'Makes the request safe to retry for 24 hours: a repeat with the same key, path, query and body gets the first response ' +
    'again (with `idempotent-replayed: true`) and does nothing; another body is 422, a repeat while the first runs is 409.',
});

// Headers that belong to one exchange, not to the result being replayed.
const NOT_REPLAYED = new Set([
  'content-length',
  'connection',
  'date',
  'keep-alive',
  'transfer-encoding',
  'x-request-id',
  'retry-after',
]);
const isReplayed = (name: string) =>
  !NOT_REPLAYED.has(name) && !name.startsWith('x-ratelimit-') && name !== 'idempotent-replayed';

interface Pending {
  reservation: Reservation;
  /** Known up front for JSON bodies; for streamed ones, once the handler has read the stream. */
  fingerprint?: string;
}

/**
 * One mechanism for every route that creates work: routes opt in with `config.idempotent`, get the
 * header declared in their schema, and a pre-handler and on-send hook of their own, so routes that
 * do not opt in (and requests without a key) never touch Redis. Keys are scoped to the API key,
 * method and path. Only successful responses are kept: an error releases the key.
 */
export function installIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  const pending = new WeakMap<FastifyRequest, Pending>();

  const streamedBodyOf = (request: FastifyRequest) => {
    const config = request.routeOptions.config.idempotent;
    return typeof config === 'object' ? config.streamedBody : undefined;
  };
  const fingerprintOf = async (request: FastifyRequest) => {
    const streamed = streamedBodyOf(request);
    if (!streamed) return requestFingerprint({ query: request.query, body: request.body });
    return requestFingerprint({ query: request.query, bodySha256: await (await streamed(request)).digest() });
  };

  const reserveOrReplay: preHandlerAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const idempotencyKey = request.headers[IDEMPOTENCY_HEADER];
    if (typeof idempotencyKey !== 'string') return;
    const scope = `${request.principal?.keyId ?? 'anonymous'} ${request.method} ${request.url.split('?', 1)[0]}`;
    const outcome = await store.reserve(scope, idempotencyKey);
    if ('inFlight' in outcome) throw errors.idempotencyKeyInFlight();
    if ('reservation' in outcome) {
      const streamed = streamedBodyOf(request) !== undefined;
      pending.set(request, {
        reservation: outcome.reservation,
        fingerprint: streamed ? undefined : await fingerprintOf(request),
      });
      return;
    }
    if ((await fingerprintOf(request)) !== outcome.done.fingerprint) throw errors.idempotencyKeyReused();
    const { status, headers, body } = outcome.done.response;
    return reply.code(status).headers(headers).header('idempotent-replayed', 'true').send(body);
  };

  const keepOrRelease: onSendAsyncHookHandler<unknown> = async (request, reply, payload) => {
    const entry = pending.get(request);
    if (!entry) return payload;
    pending.delete(request);
    const replayable = typeof payload === 'string' || Buffer.isBuffer(payload);
    try {
      if (reply.statusCode >= 400 || !replayable) {
        await store.release(entry.reservation);
        return payload;
      }
      const response: StoredResponse = {
        status: reply.statusCode,
        headers: replayedHeaders(reply),
        body: String(payload),
      };
      await store.complete(entry.reservation, entry.fingerprint ?? (await fingerprintOf(request)), response);
    } catch (error) {
      // The work is done and its answer is true; only its replay is lost, so answer anyway.
      request.log.error({ err: error }, 'could not keep the response of an idempotent request');
      await store.release(entry.reservation).catch(() => undefined);
    }
    return payload;
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.idempotent) return;
    const headers = route.schema?.headers as TObject | undefined;
    route.schema = {
      ...(route.schema ?? {}),
      headers: Type.Object({ ...(headers?.properties ?? {}), [IDEMPOTENCY_HEADER]: Type.Optional(HeaderSchema) }),
    };
    route.preHandler = [...toArray(route.preHandler), reserveOrReplay];
    route.onSend = [...toArray(route.onSend), keepOrRelease];
  });
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && isReplayed(name.toLowerCase()))
      kept[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return kept;
}

const toArray = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
