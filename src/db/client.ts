import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Logger } from 'pino';
import * as schema from './schema/index.js';

export type Database = NodePgDatabase<typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Repositories take either the database or an open transaction, so services decide the boundaries. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function openDatabase(options: { url: string; poolSize: number; logger: Logger }): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  // pg attaches the whole client to the error; log only what helps.
  pool.on('error', (error) =>
    options.logger.warn(
      { error: error.message, code: (error as { code?: string }).code },
      'idle Postgres client failed',
    ),
  );
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
