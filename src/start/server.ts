import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.js';
import { isEntryPoint, runMain } from '../lib/entry-point.js';
import { createLogger } from '../lib/logger.js';
import { openRuntime, type Runtime } from './runtime.js';
import { installShutdown, type ShutdownPhase } from '../lib/shutdown.js';
import { buildApp } from '../api/app.js';

/** Builds the app on an open runtime and listens on HOST:PORT. */
export async function startApi(runtime: Runtime): Promise<FastifyInstance> {
  const { config, logger, services, queues, metrics } = runtime;
  const app = await buildApp({ config, logger, services, queues, metrics });
  await app.listen({ host: config.host, port: config.port });
  return app;
}

/** The first shutdown phase of a process that serves HTTP: report not ready, keep serving a while. */
export const drainPhase = ({ config, services }: Runtime): ShutdownPhase => ({
  name: 'drain',
  timeoutMs: config.shutdownDrainMs + 1_000,
  run: async () => {
    services.health.startDraining();
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
  },
});

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'api' });
  const runtime = await openRuntime(config, logger, 'api');
  const app = await startApi(runtime);
  // app.close() stops accepting connections and waits for in-flight requests before resolving.
  installShutdown(
    logger,
    [drainPhase(runtime), { name: 'http', run: () => app.close() }, ...runtime.closePhases()],
    config.shutdownTimeoutMs,
  );
}

if (isEntryPoint(import.meta.url)) runMain(main);
