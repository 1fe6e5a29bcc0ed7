import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installPipeline as installSharedPipeline } from '../shared/pipeline.js';
import { type FakeContext, requestInfo } from './context.js';
import { errors, OpenAIError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { ids } from './ids.js';
import { rateLimitHeaders, rateLimitMessage } from './rate-limiter.js';

/**
 * The OpenAI surface (everything under /v1): the shared hooks (request log, auth, faults, the error
 * envelope), and the headers OpenAI sends on every response (notes §8, §11.8). Rate limits are
 * taken by the model endpoints themselves (`enforceRateLimit`), because the token estimate needs
 * the parsed request.
 */
export function installPipeline(
  app: FastifyInstance,
  ctx: FakeContext,
  faults: FaultInjector,
  hung: Set<Socket>,
): void {
  installSharedPipeline(app, {
    ctx,
    requestId: ids.request,
    faults,
    hung,
    errors: { ErrorClass: OpenAIError, catalogue: errors, fakeName: 'OpenAI fake' },
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const info = requestInfo(request);
    const snapshot = info?.rateLimit ?? ctx.limiter.peek(info?.model);
    void reply.headers({
      ...rateLimitHeaders(snapshot),
      'x-request-id': info?.entry.requestId ?? ids.request(),
      'openai-processing-ms': String(
        Math.max(1, Math.round(performance.now() - (info?.startedAt ?? performance.now()))),
      ),
      'openai-version': '2020-10-01',
      'openai-organization': organizationOf(ctx, request),
      ...(info?.model ? { 'openai-model': info.model } : {}),
    });
    return payload;
  });
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
