import { loadDatabaseConfig } from '../config.js';
import { isEntryPoint, runMain } from '../lib/entry-point.js';
import { createLogger } from '../lib/logger.js';
import { openDatabase } from '../db/client.js';
import { migrateDatabase, pendingMigrations } from '../db/migrations.js';

/** `npm run db:migrate`: needs only DATABASE_URL, so it can run before the rest is configured. */
async function main(): Promise<void> {
  const config = loadDatabaseConfig(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'migrate' });
  const database = openDatabase({ url: config.databaseUrl, poolSize: 1, logger });
  try {
    const pending = await pendingMigrations(database.pool);
    await migrateDatabase(database.pool);
    logger.info({ applied: pending }, pending ? 'migrations applied' : 'database already up to date');
  } finally {
    await database.close();
  }
}

if (isEntryPoint(import.meta.url)) runMain(main);
