import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { UnmigratedDatabaseError } from '../src/db/migrations.js';
import { createLogger } from '../src/lib/logger.js';
import { RedisEvictionPolicyError } from '../src/lib/redis.js';
import { openRuntime } from '../src/start/runtime.js';
import { ADMIN_KEY, uniqueName } from './helpers/harness.js';
import { freePort, startRedisServer } from './helpers/redis-server.js';
import { spawnEntry } from './helpers/processes.js';
import { createDatabase, dropDatabase, TEMPLATE_DATABASE, TEST_REDIS_URL } from './helpers/services.js';

const logger = createLogger({ level: 'silent', name: 'test' });
const databases: string[] = [];
afterAll(async () => {
  for (const name of databases) await dropDatabase(name);
});

async function emptyDatabase() {
  const name = uniqueName('tuneline_empty');
  databases.push(name);
  return createDatabase(name);
}

const env = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  DATABASE_URL: databaseUrl,
  REDIS_URL: TEST_REDIS_URL,
  ADMIN_API_KEY: ADMIN_KEY,
  QUEUE_PREFIX: uniqueName('tl'),
  LOG_LEVEL: 'silent',
  ...extra,
});

describe('start-up checks', () => {
  it('refuses an unmigrated database, and migrates it when MIGRATE_ON_START is set', async () => {
    const url = await emptyDatabase();
    await expect(openRuntime(loadConfig(env(url)), logger, 'api')).rejects.toThrow(UnmigratedDatabaseError);

    const runtime = await openRuntime(loadConfig(env(url, { MIGRATE_ON_START: 'true' })), logger, 'api');
    try {
      const tables = await runtime.database.pool.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('tasks', 'api_keys')",
      );
      expect(tables.rows[0].n).toBe(2);
    } finally {
      for (const phase of runtime.closePhases()) await phase.run();
    }
    // Now migrated, a normal start succeeds.
    const again = await openRuntime(loadConfig(env(url)), logger, 'api');
    for (const phase of again.closePhases()) await phase.run();
  });

  it('refuses a Redis that may evict keys', async () => {
    const redis = await startRedisServer(['--maxmemory-policy', 'allkeys-lru']);
    const name = uniqueName('tuneline_t');
    databases.push(name);
    const url = await createDatabase(name, TEMPLATE_DATABASE);
    try {
      const start = openRuntime(loadConfig({ ...env(url), REDIS_URL: redis.url }), logger, 'worker');
      await expect(start).rejects.toThrow(RedisEvictionPolicyError);
      await expect(start).rejects.toThrow(/allkeys-lru.*noeviction/);
    } finally {
      await redis.stop();
    }
  });

  it('exits 1 listing every configuration problem', async () => {
    const api = spawnEntry('src/start/server.ts', [], { PORT: 'eighty', REDIS_URL: 'http://nope' });
    expect(await api.exited()).toBe(1);
    const output = api.output();
    expect(output).toContain('refusing to start: invalid configuration');
    expect(output).toContain('DATABASE_URL, ADMIN_API_KEY: required but not set');
    expect(output).toContain('PORT: must be integer');
    expect(output).toContain('REDIS_URL: must match pattern');
  });

  it('exits 1 with a clear message on an unmigrated database', async () => {
    const url = await emptyDatabase();
    const worker = spawnEntry('src/start/worker.ts', ['--queues', 'housekeeping'], env(url));
    expect(await worker.exited()).toBe(1);
    expect(worker.output()).toMatch(
      /refusing to start: the database is missing \d+ migration\(s\)\. Run "npm run db:migrate"/,
    );
  });

  it('rejects unknown queues on the worker command line', async () => {
    const worker = spawnEntry('src/start/worker.ts', ['--queues', 'housekeeping,nope'], {});
    expect(await worker.exited()).toBe(1);
    expect(worker.output()).toContain('unknown queue(s) "nope"; known queues: housekeeping');
  });

  it('serves, reports ready, and shuts down cleanly on SIGTERM', async () => {
    const name = uniqueName('tuneline_t');
    databases.push(name);
    const url = await createDatabase(name, TEMPLATE_DATABASE);
    const port = await freePort();
    const api = spawnEntry(
      'src/start/server.ts',
      [],
      env(url, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
    );
    try {
      await api.waitFor('Server listening');
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      api.kill('SIGTERM');
      expect(await api.exited()).toBe(0);
      expect(api.output()).toContain('"clean":true');
    } finally {
      api.kill();
    }
  });
});
