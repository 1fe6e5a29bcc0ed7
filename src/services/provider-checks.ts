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

/** Why work recorded on a connection cannot go on here, as the work's error: a code and a plain message. */
export interface LostConnection {
  code: 'unknown_provider' | 'provider_not_configured';
  message: string;
}

/**
 * Why a run, fine-tune or evaluation recorded on `provider` cannot go on in this deployment: the
 * connection was taken out of the connections file, or its key variable was unset, since the work
 * was accepted (the deployment restarted without it). Undefined when it can go on. Workers fail
 * the work with this instead of retrying: nothing changes until the configuration does.
 */
export function lostConnection(providers: Checked, provider: ProviderName, work: string): LostConnection | undefined {
  if (!providers.has(provider))
    return {
      code: 'unknown_provider',
      message: `the connection "${provider}" is no longer configured in this deployment; add it back to PROVIDER_CONNECTIONS_FILE or start a new ${work} on another connection`,
    };
  if (providers.isConfigured(provider)) return undefined;
  const hint = providers.configHint(provider);
  return {
    code: 'provider_not_configured',
    message: `the connection "${provider}" is not configured in this deployment${hint ? ` (${hint})` : ''}; configure it and start a new ${work}, or start one on another connection`,
  };
}
