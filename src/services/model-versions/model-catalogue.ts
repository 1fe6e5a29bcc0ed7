import {
  dayOf,
  isPast,
  type LifecycleTable,
  listedBaseShutdownDateOf,
  listedShutdownDateOf,
  shutdownDateIn,
} from '../../domain/model-lifecycle.js';
import { ProviderError, type ListedModel } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';

export type CatalogueSource = 'table' | 'provider' | 'both';

export interface CatalogueEntry {
  id: string;
  shutdownDate: string | null;
  /** The table's date for the model's fine-tunes, when it differs from the model's own. */
  fineTunesShutdownDate?: string;
  /** Whether the provider's list has it; null when no list was read. */
  listed: boolean | null;
  source: CatalogueSource;
}

export interface ModelCatalogue {
  provider: ProviderName;
  tableDate: string | null;
  listedAt: Date | null;
  /** What the catalogue was made from; `none` for a connection with neither a table nor a list. */
  source: CatalogueSource | 'none';
  data: CatalogueEntry[];
  warnings: string[];
}

/** Where a model's shutdown date comes from, for refusals and the routing history. */
export interface KnownShutdown {
  date: string;
  source: 'table' | 'provider';
  /** The table's date (source table), or the day the list was read (source provider). */
  asOf: string;
}

type Listing = { at: Date; models: ListedModel[] } | { at: Date; error: string };

/**
 * Each connection's dated model catalogue: its kind's static table, plus what the provider's
 * model list says where its API has one. The list is read lazily, within `listTimeoutMs`, and kept
 * for `cacheMs` (a failure for `failureCacheMs`, so a provider that is down is not asked on every
 * request); concurrent readers share one read. A failed read leaves the table, with a warning.
 */
export function modelCatalogue(deps: {
  providers: Pick<Providers, 'has' | 'lifecycleTable' | 'listsModels' | 'listsShutdownDates' | 'listModels'>;
  listTimeoutMs?: number;
  cacheMs?: number;
  failureCacheMs?: number;
  now?: () => number;
}) {
  const { providers, listTimeoutMs = 5_000, cacheMs = 3_600_000, failureCacheMs = 60_000, now = Date.now } = deps;
  const cache = new Map<ProviderName, { at: number; listing: Promise<Listing> }>();

  const read = async (provider: ProviderName): Promise<Listing> => {
    const at = new Date(now());
    try {
      return { at, models: await providers.listModels(provider, AbortSignal.timeout(listTimeoutMs)) };
    } catch (error) {
      return { at, error: error instanceof ProviderError ? error.code : 'list_failed' };
    }
  };

  const fresh = (provider: ProviderName) => {
    const cached = cache.get(provider);
    return cached && now() - cached.at < cacheMs ? cached : undefined;
  };

  /** The provider's list, read now unless a fresh one is cached; undefined when the connection has none here. */
  const listing = async (provider: ProviderName): Promise<Listing | undefined> => {
    if (!providers.listsModels(provider)) return undefined;
    const cached = fresh(provider);
    if (cached) {
      const found = await cached.listing;
      if (!('error' in found) || now() - cached.at < failureCacheMs) return found;
    }
    const entry = { at: now(), listing: read(provider) };
    cache.set(provider, entry);
    return entry.listing;
  };

  /** The cached list, never read now (for request paths that must not call the provider). */
  const cachedListing = async (provider: ProviderName): Promise<Listing | undefined> => {
    const cached = fresh(provider);
    return cached ? cached.listing : undefined;
  };

  const shutdownFrom = (
    table: LifecycleTable | undefined,
    found: Listing | undefined,
    model: string,
  ): KnownShutdown | undefined => {
    // The provider's word on this very model is current; then the table (which dates fine-tunes
    // apart from their bases); then, for an unlisted fine-tune, the date the list gives its base.
    const listed =
      found && !('error' in found) ? new Map(found.models.map((entry) => [entry.id, entry.shutdownDate])) : undefined;
    const exact = listed ? listedShutdownDateOf(listed, model) : undefined;
    if (exact) return { date: exact, source: 'provider', asOf: dayOf(found!.at) };
    const date = table ? shutdownDateIn(table, model) : undefined;
    if (date && table) return { date, source: 'table', asOf: table.date };
    const base = listed ? listedBaseShutdownDateOf(listed, model) : undefined;
    return base ? { date: base, source: 'provider', asOf: dayOf(found!.at) } : undefined;
  };

  return {
    /** The catalogue of a connection (it must exist: callers check `providers.has` first). */
    async catalogue(provider: ProviderName): Promise<ModelCatalogue> {
      const table = providers.lifecycleTable(provider);
      const found = await listing(provider);
      const warnings: string[] = [];
      if (found && 'error' in found)
        warnings.push(`the provider's model list could not be read (${found.error}); showing the dated table only`);
      const listed = found && !('error' in found) ? found.models : undefined;
      const entries = new Map<string, CatalogueEntry>();
      for (const [id, lifecycle] of Object.entries(table?.models ?? {})) {
        entries.set(id, {
          id,
          shutdownDate: lifecycle.shutdown,
          ...(lifecycle.fineTunes ? { fineTunesShutdownDate: lifecycle.fineTunes } : {}),
          listed: listed ? false : null,
          source: 'table',
        });
      }
      for (const model of listed ?? []) {
        const known = entries.get(model.id);
        const tableDate = table ? shutdownDateIn(table, model.id) : undefined;
        entries.set(model.id, {
          id: model.id,
          shutdownDate: model.shutdownDate ?? known?.shutdownDate ?? tableDate ?? null,
          ...(known?.fineTunesShutdownDate ? { fineTunesShutdownDate: known.fineTunesShutdownDate } : {}),
          listed: true,
          source: known || tableDate ? 'both' : 'provider',
        });
      }
      const source: ModelCatalogue['source'] = table ? (listed ? 'both' : 'table') : listed ? 'provider' : 'none';
      return {
        provider,
        tableDate: table?.date ?? null,
        listedAt: listed ? found!.at : null,
        source,
        data: [...entries.values()].sort((a, b) => a.id.localeCompare(b.id)),
        warnings,
      };
    },

    /**
     * The model's shutdown date on the connection. `readList: 'always'` reads the provider's list
     * when no fresh one is cached (background checks); `'when-no-table'` only for a connection
     * whose table cannot tell and whose list dates models (request paths: a connection with a
     * table answers from it and any list already read, without a call to the provider).
     */
    async shutdownOf(
      provider: ProviderName,
      model: string,
      readList: 'always' | 'when-no-table',
    ): Promise<KnownShutdown | undefined> {
      if (!providers.has(provider)) return undefined;
      const table = providers.lifecycleTable(provider);
      const reads = readList === 'always' || (!table && providers.listsShutdownDates(provider));
      const found = reads ? await listing(provider) : await cachedListing(provider);
      return shutdownFrom(table, found, model);
    },

    /** The shutdown date when it is on or before `now`'s day: the model no longer serves. */
    async shutDownBy(provider: ProviderName, model: string, now: Date): Promise<KnownShutdown | undefined> {
      const known = await this.shutdownOf(provider, model, 'when-no-table');
      return known && isPast(known.date, dayOf(now)) ? known : undefined;
    },
  };
}

export type ModelCatalogueService = ReturnType<typeof modelCatalogue>;
