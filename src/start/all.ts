import { drainPhase, startApi } from './server.js';
import { loadConfig } from '../config.js';
import { isEntryPoint, runMain } from '../lib/entry-point.js';
import { createLogger } from '../lib/logger.js';
import { openRuntime } from './runtime.js';
import { installShutdown } from '../lib/shutdown.js';
import { startWorkers } from './worker.js';
import { parseWorkerArgs } from '../workers/worker-args.js';

/** API and every worker in one process, for local use and the demo. Production runs them apart. */
async function main(): Promise<void> {
  const args = parseWorkerArgs(process.argv.slice(2));
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'tuneline' });
  const runtime = await openRuntime(config, logger, 'all');
  const pool = await startWorkers(runtime, args);
  const app = await startApi(runtime);
  installShutdown(
    logger,
    [
      drainPhase(runtime),
      { name: 'http', run: () => app.close() },
      { name: 'workers', run: () => pool.close() },
      ...runtime.closePhases(),
    ],
    config.shutdownTimeoutMs,
  );
}

if (isEntryPoint(import.meta.url)) runMain(main);
