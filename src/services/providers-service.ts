import { ProviderError } from '../providers/provider.js';
import { errors } from '../errors.js';
import type { ProviderName, Providers } from '../providers/registry.js';
import type { ModelCatalogue, ModelCatalogueService } from './model-versions/model-catalogue.js';

export interface ProviderHealth {
  ok: boolean;
  checkedAt: Date;
  latencyMs: number;
  /** What failed, as a code (never the provider's message, which may quote part of a key). */
  error?: string;
}

export interface ProviderView {
  name: ProviderName;
  kind: string;
  configured: boolean;
  capabilities: ReturnType<Providers['capabilities']>;
  /** Where calls go, without credentials; null for in-process connections. */
  baseUrl: string | null;
  /** Null when not probed: the connection is not configured, or its kind has no health call. */
  health: ProviderHealth | null;
}

/** An address as it may be shown: no user, password, query or fragment (where credentials could hide). */
function displayUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return null;
  }
}

/**
 * The deployment's provider connections with their health. A probe is one cheap call (the model
 * list) with a short timeout, and its result is kept for `cacheMs`, so listing cannot be used to
 * hammer a provider; concurrent listings share one probe.
 */
export function providersService(deps: {
  providers: Pick<
    Providers,
    'names' | 'has' | 'kind' | 'capabilities' | 'isConfigured' | 'isInProcess' | 'baseUrl' | 'probe'
  >;
  catalogue: Pick<ModelCatalogueService, 'catalogue'>;
  probeTimeoutMs?: number;
  cacheMs?: number;
  now?: () => number;
}) {
  const { providers, probeTimeoutMs = 3_000, cacheMs = 30_000, now = Date.now } = deps;
  const cache = new Map<ProviderName, { at: number; health: Promise<ProviderHealth | null> }>();

  const probe = async (name: ProviderName): Promise<ProviderHealth | null> => {
    const started = performance.now();
    const checkedAt = new Date(now());
    try {
      const probed = await providers.probe(name, AbortSignal.timeout(probeTimeoutMs));
      return probed ? { ok: true, checkedAt, latencyMs: Math.round(performance.now() - started) } : null;
    } catch (error) {
      const code = error instanceof ProviderError ? error.code : 'probe_failed';
      return { ok: false, checkedAt, latencyMs: Math.round(performance.now() - started), error: code };
    }
  };

  const healthOf = (name: ProviderName): Promise<ProviderHealth | null> => {
    if (!providers.isConfigured(name)) return Promise.resolve(null);
    if (providers.isInProcess(name)) return Promise.resolve({ ok: true, checkedAt: new Date(now()), latencyMs: 0 });
    const cached = cache.get(name);
    if (cached && now() - cached.at < cacheMs) return cached.health;
    const health = probe(name);
    cache.set(name, { at: now(), health });
    return health;
  };

  return {
    async list(): Promise<ProviderView[]> {
      return Promise.all(
        providers.names().map(async (name) => ({
          name,
          kind: providers.kind(name),
          configured: providers.isConfigured(name),
          capabilities: providers.capabilities(name),
          baseUrl: displayUrl(providers.baseUrl(name)),
          health: await healthOf(name),
        })),
      );
    },

    /** The connection's dated model catalogue (404 for a connection this deployment does not have). */
    async models(name: string): Promise<ModelCatalogue> {
      if (!providers.has(name)) throw errors.notFound('provider connection', name);
      const found = await deps.catalogue.catalogue(name);
      if (!providers.isConfigured(name) && !providers.isInProcess(name) && found.listedAt === null)
        found.warnings.push(`the connection is not configured (${name}); its model list was not read`);
      return found;
    },
  };
}

export type ProvidersService = ReturnType<typeof providersService>;
