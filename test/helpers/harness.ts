import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import supertest from 'supertest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { openRuntime, type Runtime } from '../../src/start/runtime.js';
import { startWorkers as startWorkersOn } from '../../src/start/worker.js';
import type { QueueName } from '../../src/queues/queue-registry.js';
import { createDatabase, dropDatabase, TEMPLATE_DATABASE, TEST_REDIS_URL } from './services.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface Harness {
  app: FastifyInstance;
  runtime: Runtime;
  config: Config;
  databaseName: string;
  /** Env a child process (worker, server) needs to join this harness's database and queues. */
  env: Record<string, string>;
  http: () => ReturnType<typeof supertest>;
  close(): Promise<void>;
}

export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

/** A fresh database cloned from the migrated template, a private queue prefix, and the real app on top. */
export async function createHarness(
  overrides: Record<string, string> = {},
  options: { logTo?: DestinationStream } = {},
): Promise<Harness> {
  const databaseName = uniqueName('tuneline_t');
  const databaseUrl = await createDatabase(databaseName, TEMPLATE_DATABASE);
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    ADMIN_API_KEY: ADMIN_KEY,
    QUEUE_PREFIX: uniqueName('tl'),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...overrides,
  };
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, name: 'test' }, options.logTo);
  const runtime = await openRuntime(config, logger, 'api');
  const app = await buildApp({ ...runtime, logger });
  await app.ready();
  return {
    app,
    runtime,
    config,
    databaseName,
    env,
    http: () => supertest(app.server),
    async close() {
      await app.close();
      await deleteKeys(runtime, `${config.queuePrefix}:*`);
      for (const phase of runtime.closePhases()) await phase.run();
      await dropDatabase(databaseName);
    },
  };
}

async function deleteKeys({ redis }: Runtime, pattern: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: pattern, count: 500 })) {
    if ((keys as string[]).length) await redis.del(...(keys as string[]));
  }
}

/** Authorization header value for a key. */
export const bearer = (key: string) => `Bearer ${key}`;

/** Runs real BullMQ workers for the given queues inside the test process, on the harness's Redis and database. */
export const startWorkers = (h: Harness, queueNames: QueueName[], concurrency = 4) =>
  startWorkersOn(h.runtime, { queueNames, concurrency });
