import { errors } from '../errors.js';
import type { ProviderName, Providers } from '../providers/registry.js';

type Checked = Pick<Providers, 'has' | 'isConfigured' | 'configHint'>;

/** Why the named connection cannot be used here (unknown, or without its key), or undefined when it can. */
export function providerProblem(providers: Checked, provider: ProviderName): string | undefined {
  if (!providers.has(provider)) return `unknown provider connection "${provider}"`;
  if (providers.isConfigured(provider)) return undefined;
  const hint = providers.configHint(provider);
  return hint ? `not configured (${hint})` : 'not configured';
}

/** Refuses a connection this deployment lacks (400 `unknown_provider`), before anything asks what it can do. */
export function requireKnownProvider(
  providers: Pick<Providers, 'has'>,
  provider: ProviderName,
  field = 'body.provider',
) {
  if (!providers.has(provider)) throw errors.unknownProvider(provider, field);
}

/** Refuses a connection this deployment lacks (400 `unknown_provider`) or has without its key. */
export function requireUsableProvider(providers: Checked, provider: ProviderName, field = 'body.provider'): void {
  requireKnownProvider(providers, provider, field);
  if (!providers.isConfigured(provider)) throw errors.providerNotConfigured(provider, providers.configHint(provider));
}
