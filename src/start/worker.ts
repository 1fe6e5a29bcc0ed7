import { loadConfig } from '../config.js';
import { isEntryPoint, runMain } from '../lib/entry-point.js';
import { createLogger } from '../lib/logger.js';
import { openRuntime, type Runtime } from './runtime.js';
import { installShutdown } from '../lib/shutdown.js';
import { createProcessors } from '../workers/processors/index.js';
import type { QueueName } from '../queues/queue-registry.js';
import { parseWorkerArgs, type WorkerArgs } from '../workers/worker-args.js';
import { startMetricsServer } from '../workers/metrics-server.js';
import { startWorkerPool, type WorkerPool } from '../workers/worker-pool.js';

/** Per queue, the service whose unfinished work a worker of that queue re-queues at start and every minute. */
const RESUMERS = [
  { queue: 'labeling', service: 'labelRuns' },
  { queue: 'training', service: 'fineTunes' },
  { queue: 'evaluation', service: 'evaluations' },
  { queue: 'pipelines', service: 'pipelines' },
  // Dedicated endpoints: adopt those whose create answer was lost, follow them, retry failed stops.
  { queue: 'housekeeping', service: 'modelEndpoints' },
] as const satisfies { queue: QueueName; service: keyof Runtime['services'] }[];

export function startWorkers(runtime: Runtime, args: WorkerArgs): Promise<WorkerPool> {
  return startWorkerPool({
    ...args,
    lockMs: runtime.config.jobLockMs,
    connection: runtime.redis,
    prefix: runtime.config.queuePrefix,
    processors: createProcessors(runtime.services, runtime.queues, runtime.metrics),
    queues: runtime.queues,
    logger: runtime.logger,
    metrics: runtime.metrics,
    // Re-queue the jobs of unfinished runs, fine-tunes, evaluations and pipelines: covers a Redis
    // restart that lost the queue, and a process that died between writing a record and queueing its job.
    recurring: RESUMERS.filter(({ queue }) => args.queueNames.includes(queue)).map(({ queue, service }) => ({
      name: `resume-${queue}`,
      everyMs: 60_000,
      run: () => runtime.services[service].resumeActive(),
    })),
  });
}

async function main(): Promise<void> {
  const args = parseWorkerArgs(process.argv.slice(2));
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  const runtime = await openRuntime(config, logger, 'worker');
  const pool = await startWorkers(runtime, args);
  const metrics =
    config.workerMetricsPort === undefined
      ? undefined
      : await startMetricsServer(runtime.metrics, config.host, config.workerMetricsPort);
  if (metrics) logger.info({ port: config.workerMetricsPort }, 'worker metrics on /metrics');
  installShutdown(
    logger,
    [
      { name: 'workers', run: () => pool.close() },
      ...(metrics
        ? [{ name: 'metrics', run: () => new Promise<void>((resolve) => metrics.close(() => resolve())) }]
        : []),
      ...runtime.closePhases(),
    ],
    config.shutdownTimeoutMs,
  );
}

if (isEntryPoint(import.meta.url)) runMain(main);
