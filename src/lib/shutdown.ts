import type { Logger } from 'pino';

export interface ShutdownPhase {
  name: string;
  run: () => Promise<unknown>;
  /** Defaults to the timeout given to installShutdown. */
  timeoutMs?: number;
}

/**
 * Graceful shutdown in ordered, bounded phases: stop intake first (HTTP server, workers finishing
 * their active jobs), then queues and Redis, then Postgres, then flush logs. A phase that overruns
 * is abandoned so shutdown always ends; a second signal exits at once.
 */
export function installShutdown(logger: Logger, phases: ShutdownPhase[], timeoutMs: number) {
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      let clean = true;
      for (const phase of phases) {
        const limit = phase.timeoutMs ?? timeoutMs;
        const started = performance.now();
        const outcome = await bounded(phase.run(), limit);
        const ms = Math.round(performance.now() - started);
        if (outcome === 'ok') logger.info({ phase: phase.name, ms }, 'shutdown phase done');
        else {
          clean = false;
          logger.error({ phase: phase.name, ms, outcome }, 'shutdown phase did not finish cleanly');
        }
      }
      logger.info({ clean }, 'shutdown complete');
      logger.flush();
      process.exitCode = clean ? 0 : 1;
    })();
    return shuttingDown;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting immediately');
      logger.flush();
      process.exit(130);
    }
    void shutdown(signal).then(() => process.exit());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { shutdown };
}

async function bounded(work: Promise<unknown>, ms: number): Promise<'ok' | 'timeout' | Error> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(() => 'ok' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), ms);
      }),
    ]);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}
