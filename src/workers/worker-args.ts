import { parseArgs } from 'node:util';
import { StartupError } from '../lib/startup-error.js';
import { isQueueName, QUEUE_NAMES, type QueueName } from '../queues/queue-registry.js';

export interface WorkerArgs {
  queueNames: QueueName[];
  concurrency: number;
}

export const DEFAULT_CONCURRENCY = 4;

/** `--queues a,b` (default: every queue) and `--concurrency N` (jobs at once per queue). */
export function parseWorkerArgs(argv: string[]): WorkerArgs {
  let values: { queues?: string; concurrency?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { queues: { type: 'string' }, concurrency: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    throw new StartupError(`${(error as Error).message}. Usage: worker [--queues a,b] [--concurrency N]`);
  }
  const requested = values.queues === undefined ? [...QUEUE_NAMES] : values.queues.split(',').map((q) => q.trim());
  const unknown = requested.filter((name) => !isQueueName(name));
  if (unknown.length > 0 || requested.length === 0) {
    throw new StartupError(`unknown queue(s) "${unknown.join(', ')}"; known queues: ${QUEUE_NAMES.join(', ')}`);
  }
  const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new StartupError(`--concurrency must be a whole number from 1 to 1000, not "${values.concurrency}"`);
  }
  return { queueNames: [...new Set(requested as QueueName[])], concurrency };
}
