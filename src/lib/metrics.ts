import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per process (not prom-client's global one), so tests can build several apps side by side. */
export function createMetricsRegistry(process: 'api' | 'worker' | 'all'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process });
  collectDefaultMetrics({ register: registry });
  return registry;
}
