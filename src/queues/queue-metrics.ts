import { Gauge, type Registry } from 'prom-client';
import type { Queues } from './queue-registry.js';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'waiting-children', 'prioritized'] as const;

/**
 * Jobs per queue and state, read from Redis when Prometheus scrapes (so any one API instance
 * reports the whole deployment's queues; aggregate with max, not sum, across instances).
 */
export function installQueueMetrics(registry: Registry, queues: Queues): void {
  new Gauge({
    name: 'tuneline_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed, ...), as Redis holds them',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const perQueue = await Promise.all(
        queues.all().map(async (queue) => ({
          queue: queue.name,
          counts: await queue.getJobCounts(...STATES).catch(() => undefined),
        })),
      );
      for (const { queue, counts } of perQueue) {
        if (!counts) continue; // Redis unreachable: leave the series out rather than report zeros
        for (const state of STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });
}
