/**
 * `npm run demo`: the whole product on this machine, through its HTTP API.
 * Uses local Postgres and Redis (or DATABASE_URL / REDIS_URL), creates the demo database if needed,
 * migrates it, runs the API and every worker in this one process, and walks through the loop.
 * Pass `--exit` to stop after the walkthrough instead of serving until Ctrl+C.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Logger } from 'pino';
import { startApi } from '../src/start/server.js';
import { loadConfig, type Config } from '../src/config.js';
import { runMain } from '../src/lib/entry-point.js';
import { createLogger } from '../src/lib/logger.js';
import { openRuntime } from '../src/start/runtime.js';
import { installShutdown } from '../src/lib/shutdown.js';
import { startWorkers } from '../src/start/worker.js';
import { QUEUE_NAMES } from '../src/queues/queue-registry.js';
import { DEFAULT_CONCURRENCY } from '../src/workers/worker-args.js';
import {
  createClientKey,
  createTask,
  deriveSplit,
  importSample,
  labelUnlabeled,
  reviewLowestConfidence,
} from './demo/dataset-steps.js';
import { evaluatePromptAndTrain, evaluateTrained, showLeaderboard } from './demo/model-steps.js';
import {
  classifyNewTitles,
  runBackgroundJob,
  sendFeedback,
  surviveOutage,
  whereToLook,
} from './demo/production-steps.js';
import { listProviders } from './demo/provider-steps.js';
import { apiClient, heading, ONLINE, runSlug, show, type Demo, type Step } from './demo/support.js';

/** The walkthrough, in order; a step may use what the steps before it made. */
const STEPS: Step[] = [
  createTask,
  createClientKey,
  listProviders,
  importSample,
  deriveSplit,
  labelUnlabeled,
  reviewLowestConfidence,
  evaluatePromptAndTrain,
  evaluateTrained,
  showLeaderboard,
  classifyNewTitles,
  surviveOutage,
  sendFeedback,
  runBackgroundJob,
];

const exitWhenDone = process.argv.includes('--exit');

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      show(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** What every step needs first: Postgres and Redis ready, then the API and the workers running. */
async function start(config: Config, logger: Logger) {
  heading('Preparing Postgres and Redis');
  await ensureDatabase(config.databaseUrl);
  const runtime = await openRuntime(config, logger, 'all');
  show('database migrated; Redis answers with maxmemory-policy noeviction');

  heading('Starting the API and the workers in one process');
  const pool = await startWorkers(runtime, { queueNames: [...QUEUE_NAMES], concurrency: DEFAULT_CONCURRENCY });
  const app = await startApi(runtime);
  const { port } = app.server.address() as AddressInfo;
  const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  show(`API on ${base}; workers on queues: ${QUEUE_NAMES.join(', ')}`);
  const stop = installShutdown(
    logger,
    [{ name: 'http', run: () => app.close() }, { name: 'workers', run: () => pool.close() }, ...runtime.closePhases()],
    config.shutdownTimeoutMs,
  );
  // Run ids sort by time and stay short (a slug is at most 64 characters).
  const slug = runSlug(Date.now().toString(36));
  const demo: Demo = {
    base,
    slug,
    adminKey: config.adminApiKey,
    admin: apiClient(base, config.adminApiKey),
    runtime,
    made: {},
    modelNames: new Map(),
  };
  return { demo, stop };
}

async function main(): Promise<void> {
  const config = loadConfig({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tuneline_demo',
    REDIS_URL: 'redis://127.0.0.1:6379',
    ADMIN_API_KEY: `demo-admin-${randomBytes(16).toString('hex')}`,
    HOST: '127.0.0.1',
    PORT: '3000',
    LOG_LEVEL: 'warn',
    ...process.env,
    MIGRATE_ON_START: 'true',
    // Offline, "OpenAI" is an endpoint that is down (port 9 refuses connections): the demo uses it to
    // show the fallback taking over. With OPENAI_API_KEY set, the real endpoint is used instead.
    ...(ONLINE ? {} : { OPENAI_API_KEY: 'sk-demo-offline', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }),
  });
  const logger = createLogger({ level: config.logLevel, name: 'demo' });
  const { demo, stop } = await start(config, logger);
  for (const step of STEPS) {
    heading(step.title);
    await step.run(demo);
  }

  // Last, so the run ends with the console's address and the key to sign in with.
  heading(exitWhenDone ? whereToLook.title : `${whereToLook.title} (served until you press Ctrl+C)`);
  await whereToLook.run(demo);
  if (exitWhenDone) {
    await stop.shutdown('demo finished');
    process.exit();
  }
}

runMain(main);
