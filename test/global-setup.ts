import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { migrateDatabase } from '../src/db/migrations.js';
import { createDatabase, dropDatabase } from './helpers/services.js';

/**
 * Builds one migrated template database per run; every test file clones it (CREATE DATABASE ...
 * TEMPLATE), which is much faster than migrating per file and keeps files isolated from each other.
 */
export default async function setup() {
  // The browser tests need the console built as the checkout has it (a no-op when it is current);
  // `npm test` does this too, but a direct `npx vitest` does not.
  execFileSync(process.execPath, ['scripts/ensure-console-built.mjs'], { stdio: 'inherit' });
  // Test workers inherit this process's environment, so they clone this run's own template.
  const template = `tuneline_test_template_${process.pid}`;
  process.env['TUNELINE_TEST_TEMPLATE'] = template;
  await dropDatabase(template);
  const url = await createDatabase(template);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrateDatabase(pool);
  } finally {
    // Postgres refuses to copy a template that has open connections.
    await pool.end();
  }
  return async () => {
    await dropDatabase(template);
  };
}
