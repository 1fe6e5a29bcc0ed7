import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { openRuntime, type Runtime } from '../../src/start/runtime.js';

/** Another API instance on the same database, Redis and queue prefix, listening on its own port. */
export async function secondInstance(config: Config): Promise<{
  app: FastifyInstance;
  runtime: Runtime;
  url: string;
  stop(): Promise<void>;
}> {
  const runtime = await openRuntime(config, createLogger({ level: 'silent', name: 'second' }), 'api');
  const app = await buildApp({ ...runtime });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return {
    app,
    runtime,
    url: `http://127.0.0.1:${address.port}`,
    // As the API's SIGTERM handler does: stop taking requests, finish those in flight, then close the rest.
    async stop() {
      await app.close();
      for (const phase of runtime.closePhases()) await phase.run();
    },
  };
}
