import { type ResponseBody, unwrap } from '@tuneline/client';
import type { Step } from './support.js';
import { show } from './support.js';

type Provider = ResponseBody<'/v1/providers'>['data'][number];

const healthOf = (health: Provider['health']): string =>
  health === null ? 'not probed' : health.ok ? `ok (${health.latency_ms} ms)` : `failing: ${health.error}`;

export const listProviders: Step = {
  title: 'The provider connections of this deployment (GET /v1/providers)',
  async run(demo) {
    const providers = await unwrap(demo.admin.GET('/v1/providers'));
    for (const provider of providers.data) {
      show(
        `${provider.name.padEnd(10)} ${provider.kind.padEnd(18)} ${(provider.configured ? 'configured' : 'not configured').padEnd(15)} ${provider.capabilities.runs.padEnd(11)} ${provider.capabilities.fine_tunes ? 'trains' : '      '}  health: ${healthOf(provider.health)}`,
      );
    }
  },
};
