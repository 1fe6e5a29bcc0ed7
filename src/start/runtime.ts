import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { assertMigrated, migrateDatabase, UnmigratedDatabaseError } from '../db/migrations.js';
import { createServices, type Services } from './services.js';
import { createQueues, type Queues } from '../queues/queue-registry.js';
import { createMetricsRegistry } from '../lib/metrics.js';
import { checkRedis, openRedis } from '../lib/redis.js';
import type { ShutdownPhase } from '../lib/shutdown.js';
import { UnreachableError } from '../lib/startup-error.js';

/** Everything both entry points share: connections, queues, services and the metrics registry. */
export interface Runtime {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  redis: Redis;
  queues: Queues;
  services: Services;
  metrics: Registry;
  /** Closing phases for what the runtime opened, in order; entry points put their own first. */
  closePhases(): ShutdownPhase[];
}

export async function openRuntime(config: Config, logger: Logger, role: 'api' | 'worker' | 'all'): Promise<Runtime> {
  const database = openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, logger });
  try {
    if (config.migrateOnStart) await migrateDatabase(database.pool);
    else await assertMigrated(database.pool);
  } catch (error) {
    await database.close();
    if (error instanceof UnmigratedDatabaseError) throw error;
    throw new UnreachableError('Postgres', config.databaseUrl, error instanceof Error ? error.message : String(error));
  }

  const redis = openRedis(config.redisUrl, logger, role);
  try {
    await checkRedis(redis, config.redisUrl);
  } catch (error) {
    redis.disconnect();
    await database.close();
    throw error;
  }

  const queues = createQueues({ connection: redis, prefix: config.queuePrefix, logger });
  const metrics = createMetricsRegistry(role);
  const services = createServices({ config, db: database.db, pool: database.pool, redis, queues, logger, metrics });
  return {
    config,
    logger,
    database,
    redis,
    queues,
    services,
    metrics,
    closePhases: () => [
      // After the last request is answered: its prediction records are written before Postgres closes.
      // Its writes get the shutdown timeout; spilling what is left to a file takes the extra second.
      {
        name: 'prediction log',
        timeoutMs: config.shutdownTimeoutMs + 1_000,
        run: () => services.serving.close(config.shutdownTimeoutMs),
      },
      { name: 'queues', run: () => queues.close() },
      { name: 'redis', run: () => redis.quit() },
      { name: 'postgres', run: () => database.close() },
    ],
  };
}
