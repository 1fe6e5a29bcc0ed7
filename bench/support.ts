import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env['BENCH_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database that exists for one benchmark run; `drop()` removes it. */
export async function throwAwayDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `tuneline_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * A pool on a benchmark database. Idle clients can still be closing when the database is dropped
 * WITH (FORCE); their termination error is expected then and must not crash the run.
 */
export function benchPool(url: string, max?: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, ...(max ? { max } : {}) });
  pool.on('error', () => undefined);
  return pool;
}

/** Environment for Tuneline processes in a benchmark: its database, a private queue prefix, the fake. */
export const benchEnv = (
  database: { name: string; url: string },
  admin: string,
  openaiBaseUrl: string,
): Record<string, string> => ({
  DATABASE_URL: database.url,
  REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  ADMIN_API_KEY: admin,
  QUEUE_PREFIX: `bench-${database.name}`,
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: openaiBaseUrl,
  LOG_LEVEL: 'warn',
});
