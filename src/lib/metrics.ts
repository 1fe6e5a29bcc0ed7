import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

/** One registry per process (not prom-client's global one), so tests can build several apps side by side. */
export function createMetricsRegistry(process: 'api' | 'worker' | 'all'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The registry's metric of that name, made on first use: several worker pools in one process share it. */
export function sharedMetric<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
