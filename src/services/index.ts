import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { apiKeysRepository } from '../db/repositories/api-keys-repository.js';
import { tasksRepository } from '../db/repositories/tasks-repository.js';
import type { Queues } from '../workers/queues.js';
import { apiKeysService } from './api-keys-service.js';
import { healthService } from './health-service.js';
import { housekeepingService } from './housekeeping-service.js';
import { tasksService } from './tasks-service.js';

export interface ServiceDeps {
  config: Config;
  db: Database;
  pool: pg.Pool;
  redis: Redis;
  queues: Queues;
}

/** Wires repositories into services; both entry points (and the tests) build their services here. */
export function createServices({ config, db, pool, redis, queues }: ServiceDeps) {
  const apiKeys = apiKeysRepository(db);
  return {
    tasks: tasksService({ tasks: tasksRepository(db) }),
    apiKeys: apiKeysService({ apiKeys, adminApiKey: config.adminApiKey }),
    housekeeping: housekeepingService({
      apiKeys,
      queues,
      revokedKeyRetentionDays: config.revokedKeyRetentionDays,
    }),
    health: healthService({ pool, redis }),
  };
}

export type Services = ReturnType<typeof createServices>;
