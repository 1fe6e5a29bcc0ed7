import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { StartupError, UnreachableError } from './startup-error.js';

/**
 * Connection options from a redis:// or rediss:// URL. `maxRetriesPerRequest: null` and a retry
 * strategy that never gives up let workers ride out a Redis restart instead of crashing.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  };
}

export function openRedis(url: string, logger: Logger, name: string): Redis {
  const redis = new Redis({ ...redisOptionsFromUrl(url), connectionName: `tuneline:${name}` });
  // Without a listener ioredis logs every reconnect attempt as an unhandled error event.
  redis.on('error', (error) => logger.warn({ err: error, connection: name }, 'Redis connection error'));
  return redis;
}

export class RedisEvictionPolicyError extends StartupError {
  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or Redis may silently drop queued jobs. ` +
        'Set it with "CONFIG SET maxmemory-policy noeviction" or in redis.conf.',
    );
  }
}

/** Reads the policy from INFO rather than CONFIG GET, which managed Redis services often disable. */
async function assertNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy && policy !== 'noeviction') throw new RedisEvictionPolicyError(policy);
}

/** Start-up check: Redis answers, and will not evict queue keys. */
export async function checkRedis(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const unreachable = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnreachableError('Redis', url, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([assertNoEviction(redis), unreachable]);
  } finally {
    clearTimeout(timer);
  }
}
