import { Redis } from 'ioredis';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Config } from '../config.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { createMetricsRegistry } from '../lib/metrics.js';
import * as schema from '../db/schema/index.js';
import { createServices } from './services.js';
import { createQueues } from '../queues/queue-registry.js';
import { buildApp } from '../api/app.js';

/**
 * The OpenAPI document as `buildApp` describes it. Connections are created lazily and never used,
 * so exporting the document needs neither Postgres nor Redis to be running.
 */
export async function generateOpenApi(): Promise<Record<string, unknown>> {
  const config: Config = loadConfig({
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
    REDIS_URL: 'redis://127.0.0.1:1',
    ADMIN_API_KEY: 'unused-'.repeat(4),
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent', name: 'openapi' });
  const pool = new pg.Pool({ connectionString: config.databaseUrl });
  const redis = new Redis({ lazyConnect: true, maxRetriesPerRequest: null, enableOfflineQueue: true });
  const queues = createQueues({ connection: redis, prefix: config.queuePrefix, logger });
  const metrics = createMetricsRegistry('api');
  const services = createServices({ config, db: drizzle(pool, { schema }), pool, redis, queues, logger, metrics });
  const app = await buildApp({ config, logger, services, queues, metrics });
  try {
    await app.ready();
    return app.swagger() as Record<string, unknown>;
  } finally {
    await app.close();
    await queues.close();
    redis.disconnect();
    await pool.end();
  }
}

export const serializeOpenApi = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;
