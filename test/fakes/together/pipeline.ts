import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { requestInfo, setRequestInfo, type FakeContext } from './context.js';
import { errors, isTogetherError, TogetherError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { rateLimitHeaders } from './rate-limiter.js';

/**
 * Hooks for the Together surface (everything under /v1): auth, faults, the error envelope and the
 * rate-limit headers of serverless inference. `recordRequests` also runs on the pre-signed upload
 * route, which has no auth and no faults, like the storage it stands in for.
 */

export function recordRequests(app: FastifyInstance, ctx: FakeContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? request.url;
    const entry = {
      requestId: randomUUID(),
      method: request.method,
      path,
      query: flatten(request.query),
      headers: flatten(request.headers),
      body: undefined as unknown,
      receivedAt: ctx.now(),
    };
    ctx.log.add(entry);
    setRequestInfo(request, { startedAt: performance.now(), entry });
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

export function installPipeline(
  app: FastifyInstance,
  ctx: FakeContext,
  faults: FaultInjector,
  hung: Set<Socket>,
): void {
  recordRequests(app, ctx);

  app.addHook('preHandler', async (request) => {
    const info = requestInfo(request);
    if (info && !request.isMultipart()) info.entry.body = request.body;
    authenticate(request);
    const outcome = await faults.before(info?.entry.path ?? request.url);
    if (outcome.kind === 'error') throw outcome.error;
    if (outcome.kind === 'hang') {
      // Never answer; the socket is destroyed when the fake closes (or the client gives up).
      hung.add(request.raw.socket);
      request.raw.socket.once('close', () => hung.delete(request.raw.socket));
      await new Promise<never>(() => undefined);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const snapshot = requestInfo(request)?.rateLimit;
    if (snapshot) void reply.headers(rateLimitHeaders(snapshot));
    return payload;
  });

  app.setErrorHandler((error: FastifyError | TogetherError, _request, reply) => {
    const failure = toTogetherError(error);
    void reply.code(failure.status).headers(failure.headers).send(failure.toBody());
  });

  app.setNotFoundHandler(async (request) => {
    authenticate(request);
    throw errors.invalidUrl(request.method, request.url.split('?', 1)[0] ?? request.url);
  });
}

/** Any non-empty bearer token is accepted; its absence is a 401. */
function authenticate(request: FastifyRequest): void {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!token) throw errors.missingApiKey();
}

function toTogetherError(error: FastifyError | TogetherError): TogetherError {
  if (isTogetherError(error)) return error;
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'FST_REQ_FILE_TOO_LARGE') {
    return new TogetherError(413, 'invalid_request_error', 'The request body is too large.');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return errors.invalidRequest(
      'Unsupported content type; send application/json (or multipart/form-data for uploads).',
    );
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return errors.invalidRequest(error.message);
  // Usually a throwing test script; say so, since a silent 500 would cost the test author time.
  const server = errors.serverError();
  return new TogetherError(500, server.type, `${server.message} (Together fake: ${error.message})`);
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
