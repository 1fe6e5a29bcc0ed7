import type { ConnectionSettings, ProviderCapabilities } from './provider.js';

/** What a connection's settings change in its kind's declaration: its default model, and where its key comes from. */
export function connectionOverrides(settings: ConnectionSettings): Partial<ProviderCapabilities> {
  return {
    ...(settings.defaultModel ? { defaultModel: settings.defaultModel } : {}),
    ...(settings.apiKeyEnv ? { configHint: `set ${settings.apiKeyEnv}` } : {}),
  };
}
