import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { requestInfo, setRequestInfo, type FakeContext } from './context.js';
import { errors, isOpenAIError, OpenAIError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { ids } from './ids.js';
import { rateLimitHeaders, rateLimitMessage } from './rate-limiter.js';

/**
 * Hooks shared by every OpenAI-surface route (everything under /v1): request log, auth, faults,
 * the headers OpenAI sends on every response (notes §8, §11.8) and the error envelope.
 * Rate limits are taken by the model endpoints themselves (`enforceRateLimit`), because the
 * token estimate needs the parsed request.
 */
export function installPipeline(
  app: FastifyInstance,
  ctx: FakeContext,
  faults: FaultInjector,
  hung: Set<Socket>,
): void {
  app.addHook('onRequest', async (request, reply) => {
    const requestId = ids.request();
    const path = request.url.split('?', 1)[0] ?? request.url;
    const entry = {
      requestId,
      method: request.method,
      path,
      query: flatten(request.query),
      headers: flatten(request.headers),
      body: undefined as unknown,
      receivedAt: ctx.now(),
    };
    ctx.log.add(entry);
    setRequestInfo(request, { requestId, startedAt: performance.now(), entry });
    ctx.stats.requestStarted();
    reply.raw.once('close', () => ctx.stats.requestFinished());
  });

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
    const info = requestInfo(request);
    const snapshot = info?.rateLimit ?? ctx.limiter.peek(info?.model);
    void reply.headers({
      ...rateLimitHeaders(snapshot),
      'x-request-id': info?.requestId ?? ids.request(),
      'openai-processing-ms': String(
        Math.max(1, Math.round(performance.now() - (info?.startedAt ?? performance.now()))),
      ),
      'openai-version': '2020-10-01',
      'openai-organization': organizationOf(ctx, request),
      ...(info?.model ? { 'openai-model': info.model } : {}),
    });
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = `${request.method} ${request.routeOptions.url ?? '(unmatched)'}`;
    ctx.stats.responded(route, reply.statusCode);
    const info = requestInfo(request);
    if (info) {
      info.entry.status = reply.statusCode;
      info.entry.durationMs = performance.now() - info.startedAt;
    }
  });

  app.setErrorHandler((error: FastifyError | OpenAIError, _request, reply) => {
    const failure = toOpenAIError(error);
    void reply.code(failure.status).headers(failure.headers).send(failure.toBody());
  });

  app.setNotFoundHandler(async (request) => {
    authenticate(request);
    throw errors.invalidUrl(request.method, request.url.split('?', 1)[0] ?? request.url);
  });
}

/** Any non-empty bearer token is accepted; its absence is the real 401 (notes §8). */
function authenticate(request: FastifyRequest): void {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!token) throw errors.missingApiKey();
}

export const organizationOf = (ctx: FakeContext, request: FastifyRequest): string => {
  const header = request.headers['openai-organization'];
  return (typeof header === 'string' && header) || ctx.options().organization;
};

/**
 * Takes the request and its estimated tokens (prompt + requested completion, as OpenAI counts)
 * from the model's buckets, or throws the real 429 with retry-after and retry-after-ms.
 */
export function enforceRateLimit(ctx: FakeContext, request: FastifyRequest, model: string, tokens: number): void {
  const info = requestInfo(request);
  if (info) info.model = model;
  ctx.stats.modelRequested(model);
  const decision = ctx.limiter.consume(model, tokens);
  if (info) info.rateLimit = decision.snapshot;
  if (decision.allowed) return;
  ctx.stats.rateLimited(decision.kind, decision.model);
  const headers: Record<string, string> = {};
  if (!decision.tooLarge) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    headers['retry-after-ms'] = String(Math.max(1, Math.ceil(decision.retryAfterMs)));
  } else if (ctx.options().faults.sendShouldRetryHeader) {
    headers['x-should-retry'] = 'false';
  }
  throw new OpenAIError(
    429,
    decision.kind,
    rateLimitMessage(decision, organizationOf(ctx, request)),
    null,
    'rate_limit_exceeded',
    headers,
  );
}

/** The billing 429; the real API sends no retry hint, so the SDK retries it unless told not to. */
export function enforceQuota(ctx: FakeContext): void {
  const faults = ctx.options().faults;
  if (!faults.insufficientQuota) return;
  ctx.stats.count('insufficientQuota');
  throw errors.insufficientQuota(faults.sendShouldRetryHeader ? { 'x-should-retry': 'false' } : {});
}

function toOpenAIError(error: FastifyError | OpenAIError): OpenAIError {
  if (isOpenAIError(error)) return error;
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'FST_REQ_FILE_TOO_LARGE') {
    return new OpenAIError(413, 'invalid_request_error', 'The request body is too large.');
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
  return new OpenAIError(500, server.type, `${server.message} (OpenAI fake: ${error.message})`);
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
