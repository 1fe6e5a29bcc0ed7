import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { FaultInjector } from './fault-injector.js';
import type { ProviderError, ProviderErrorClass } from './provider-error.js';
import type { RecordedRequest, RequestLog } from './request-log.js';

/**
 * The hooks every provider fake puts on its surface (everything under /v1): the request log,
 * auth, injected faults and the error envelope. The headers a provider adds to its answers, and
 * its rate limits, are its own (its pipeline.ts).
 */

/** Per-request bookkeeping, kept off the Fastify request type so no global typing leaks out. */
export interface RequestInfo {
  startedAt: number;
  entry: RecordedRequest;
}

const infos = new WeakMap<FastifyRequest, RequestInfo>();

/** A fake's context.ts narrows this to its own info, which may add optional fields. */
export const requestInfo = (request: FastifyRequest): RequestInfo | undefined => infos.get(request);

/** What recording needs of a fake's context. */
export interface RecordingContext {
  now(): number;
  log: RequestLog;
  stats: { requestStarted(): void; requestFinished(): void; responded(route: string, status: number): void };
}

/** Logs every request with its answer's status and duration, and counts it (by route and status, and while in flight). */
export function recordRequests(app: FastifyInstance, ctx: RecordingContext, requestId: () => string): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const entry = {
      requestId: requestId(),
      method: request.method,
      path,
      query: flatten(request.query),
      headers: flatten(request.headers),
      body: undefined as unknown,
      receivedAt: ctx.now(),
    };
    ctx.log.add(entry);
    infos.set(request, { startedAt: performance.now(), entry });
    ctx.stats.requestStarted();
    reply.raw.once('close', () => ctx.stats.requestFinished());
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.stats.responded(`${request.method} ${request.routeOptions.url ?? '(unmatched)'}`, reply.statusCode);
    const info = requestInfo(request);
    if (info) {
      info.entry.status = reply.statusCode;
      info.entry.durationMs = performance.now() - info.startedAt;
    }
  });
}

/** The provider's errors the shared hooks answer with. */
export interface SurfaceErrors<E extends ProviderError> {
  ErrorClass: ProviderErrorClass<E>;
  catalogue: {
    missingApiKey(): E;
    invalidUrl(method: string, path: string): E;
    invalidRequest(message: string): E;
    serverError(): E;
  };
  /** Named in the 500 an unexpected exception becomes, e.g. `OpenAI fake`. */
  fakeName: string;
}

export interface Surface<E extends ProviderError> {
  ctx: RecordingContext;
  /** The id a recorded request gets, in the provider's form. */
  requestId: () => string;
  faults: FaultInjector<E>;
  /** Sockets of hung requests, which the fake destroys when it closes. */
  hung: Set<Socket>;
  errors: SurfaceErrors<E>;
}

export function installPipeline<E extends ProviderError>(app: FastifyInstance, surface: Surface<E>): void {
  const { faults, hung, errors } = surface;
  recordRequests(app, surface.ctx, surface.requestId);

  app.addHook('preHandler', async (request) => {
    const info = requestInfo(request);
    if (info && !request.isMultipart()) info.entry.body = request.body;
    authenticate(request, errors);
    const outcome = await faults.before(info?.entry.path ?? request.url);
    if (outcome.kind === 'error') throw outcome.error;
    if (outcome.kind === 'hang') {
      // Never answer; the socket is destroyed when the fake closes (or the client gives up).
      hung.add(request.raw.socket);
      request.raw.socket.once('close', () => hung.delete(request.raw.socket));
      await new Promise<never>(() => undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | E, _request, reply) => {
    const failure = toProviderError(error, errors);
    void reply.code(failure.status).headers(failure.headers).send(failure.toBody());
  });

  app.setNotFoundHandler(async (request) => {
    authenticate(request, errors);
    throw errors.catalogue.invalidUrl(request.method, request.url.split('?', 1)[0] ?? request.url);
  });
}

/** Any non-empty bearer token is accepted; its absence is the provider's 401. */
function authenticate(request: FastifyRequest, errors: SurfaceErrors<ProviderError>): void {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!token) throw errors.catalogue.missingApiKey();
}

function toProviderError<E extends ProviderError>(error: FastifyError | E, errors: SurfaceErrors<E>): E {
  const { ErrorClass, catalogue } = errors;
  if (error instanceof ErrorClass) return error;
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'FST_REQ_FILE_TOO_LARGE') {
    return new ErrorClass(413, 'invalid_request_error', 'The request body is too large.');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return catalogue.invalidRequest(
      'Unsupported content type; send application/json (or multipart/form-data for uploads).',
    );
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return catalogue.invalidRequest(error.message);
  // Usually a throwing test script; say so, since a silent 500 would cost the test author time.
  const server = catalogue.serverError();
  return new ErrorClass(500, server.type, `${server.message} (${errors.fakeName}: ${error.message})`);
}

function flatten(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value || typeof value !== 'object') return out;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    out[key] = Array.isArray(item) ? item.join(', ') : String(item);
  }
  return out;
}
