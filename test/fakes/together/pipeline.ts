import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  installPipeline as installSharedPipeline,
  recordRequests as recordSharedRequests,
} from '../shared/pipeline.js';
import { type FakeContext, requestInfo } from './context.js';
import { errors, TogetherError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { rateLimitHeaders } from './rate-limiter.js';

/**
 * Hooks for the Together surface (everything under /v1): the shared ones (request log, auth,
 * faults, the error envelope) and the rate-limit headers of serverless inference.
 * `recordRequests` also runs on the pre-signed upload route, which has no auth and no faults,
 * like the storage it stands in for.
 */

export const recordRequests = (app: FastifyInstance, ctx: FakeContext): void =>
  recordSharedRequests(app, ctx, randomUUID);

export function installPipeline(
  app: FastifyInstance,
  ctx: FakeContext,
  faults: FaultInjector,
  hung: Set<Socket>,
): void {
  installSharedPipeline(app, {
    ctx,
    requestId: randomUUID,
    faults,
    hung,
    errors: { ErrorClass: TogetherError, catalogue: errors, fakeName: 'Together fake' },
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const snapshot = requestInfo(request)?.rateLimit;
    if (snapshot) void reply.headers(rateLimitHeaders(snapshot));
    return payload;
  });
}
