import type { Step } from './support.js';
import { show } from './support.js';

interface ProviderListing {
  data: {
    name: string;
    kind: string;
    configured: boolean;
    capabilities: { runs: string; fine_tunes: boolean };
    health: { ok: boolean; latency_ms: number; error?: string } | null;
  }[];
}

const healthOf = (health: ProviderListing['data'][number]['health']): string =>
  health === null ? 'not probed' : health.ok ? `ok (${health.latency_ms} ms)` : `failing: ${health.error}`;

export const listProviders: Step = {
  title: 'The provider connections of this deployment (GET /v1/providers)',
  async run(demo) {
    const { body } = await demo.admin<ProviderListing>('GET', '/v1/providers');
    for (const provider of body.data) {
      show(
        `${provider.name.padEnd(10)} ${provider.kind.padEnd(18)} ${(provider.configured ? 'configured' : 'not configured').padEnd(15)} ${provider.capabilities.runs.padEnd(11)} ${provider.capabilities.fine_tunes ? 'trains' : '      '}  health: ${healthOf(provider.health)}`,
      );
    }
  },
};
