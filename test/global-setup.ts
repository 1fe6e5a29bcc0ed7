import pg from 'pg';
import { migrateDatabase } from '../src/db/migrations.js';
import { createDatabase, dropDatabase, TEMPLATE_DATABASE } from './helpers/services.js';

/**
 * Builds one migrated template database per run; every test file clones it (CREATE DATABASE ...
 * TEMPLATE), which is much faster than migrating per file and keeps files isolated from each other.
 */
export default async function setup() {
  await dropDatabase(TEMPLATE_DATABASE);
  const url = await createDatabase(TEMPLATE_DATABASE);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrateDatabase(pool);
  } finally {
    // Postgres refuses to copy a template that has open connections.
    await pool.end();
  }
  return async () => {
    await dropDatabase(TEMPLATE_DATABASE);
  };
}
