import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { StartupError } from '../lib/startup-error.js';

// Resolves to <repo>/migrations both from src/db (tsx) and dist/db (compiled).
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));
// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_ID = 7_317_001;

export class UnmigratedDatabaseError extends StartupError {
  constructor(pending: number) {
    super(
      `the database is missing ${pending} migration(s). Run "npm run db:migrate" first ` +
        '(or start with MIGRATE_ON_START=true).',
    );
  }
}

/** Applies pending migrations. An advisory lock keeps several starting processes from racing. */
export async function migrateDatabase(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
}

/** Counts migrations in the committed journal that the database has not applied yet. */
export async function pendingMigrations(pool: pg.Pool): Promise<number> {
  const journal = JSON.parse(await readFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: { when: number }[];
  };
  const table = await pool.query<{ exists: boolean }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists",
  );
  if (!table.rows[0]?.exists) return journal.entries.length;
  // drizzle records each migration's journal timestamp in created_at and applies those newer than the last.
  const applied = await pool.query<{ last: string | null }>(
    'SELECT max(created_at)::text AS last FROM drizzle.__drizzle_migrations',
  );
  const last = Number(applied.rows[0]?.last ?? 0);
  return journal.entries.filter((entry) => entry.when > last).length;
}

export async function assertMigrated(pool: pg.Pool): Promise<void> {
  const pending = await pendingMigrations(pool);
  if (pending > 0) throw new UnmigratedDatabaseError(pending);
}
