import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { errors } from '../../errors.js';
import { batchedRateLimitStore } from '../../lib/batched-rate-limit-store.js';
import { redisOptionsFromUrl } from '../../lib/redis.js';

/**
 * Per-API-key request limits (fixed one-minute windows) for routes that opt in with
 * `config.rateLimit`, counted in Redis so the limit holds across every API instance, but in
 * batches: a request is decided in memory and the counts are reconciled every
 * CLASSIFY_RATE_LIMIT_SYNC_MS (src/lib/batched-rate-limit-store.ts states the error bound). A key
 * may carry its own limit; others get CLASSIFY_RATE_LIMIT_PER_MINUTE. The limiter has its own
 * connection that fails fast: if Redis is unreachable, requests are let through (skipOnError)
 * rather than classify stopping with it.
 */
export async function installRateLimit(app: FastifyInstance, config: Config): Promise<void> {
  const redis = new Redis({
    ...redisOptionsFromUrl(config.redisUrl),
    connectionName: 'tuneline:rate-limit',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  redis.on('error', (error) => app.log.debug({ err: error }, 'rate limit Redis connection error'));
  const counts = batchedRateLimitStore({
    redis,
    syncMs: config.classify.rateLimitSyncMs,
    onError: (error) => app.log.debug({ err: error }, 'rate limit counts could not be sent to Redis'),
  });
  app.addHook('onClose', async () => {
    // The requests answered last were counted here only: their counts reach Redis before it closes.
    await counts.flush();
    redis.disconnect();
  });
  const windowMs = 60_000;
  await app.register(rateLimit, {
    global: false,
    // The same keys the plugin's own Redis store used, so instances of either kind share counts.
    store: counts.storeClass(`${config.queuePrefix}:rate-limit:`),
    skipOnError: true,
    timeWindow: windowMs,
    keyGenerator: (request) => request.principal?.keyId ?? request.ip,
    max: (request) => request.principal?.rateLimitPerMinute ?? config.classify.rateLimitPerMinute,
    errorResponseBuilder: (_request, context) =>
      errors.rateLimited(`This API key may make ${context.max} requests per minute here; retry in ${context.after}.`, {
        limit: context.max,
        window_seconds: windowMs / 1000,
        retry_after_ms: context.ttl,
      }),
  });
  // Connecting now (not on the first request) keeps that request's latency ordinary.
  redis.connect().catch(() => undefined);
}
