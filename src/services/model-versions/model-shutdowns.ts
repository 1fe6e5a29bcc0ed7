import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { ProviderError } from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';

const DAY_MS = 24 * 3600 * 1000;

/** The retirement reason when the provider no longer knows a model. */
export const MODEL_GONE_REASON = 'provider says model_not_found';

/**
 * Whether a model is past the shutdown date its provider announces (for OpenAI GET /models/{id}
 * `shutdown_date`), checked at most once a day per model per process. Providers that announce
 * none, or are not configured here, are never asked.
 */
export function modelShutdowns(providers: Pick<Providers, 'shutdownLookup'>) {
  const checked = new Map<string, { at: number; date: string | null }>();
  return {
    /** A reason to retire the model, or undefined while it still serves. */
    async pastShutdown(model: ModelVersionRecord, now = new Date()): Promise<string | undefined> {
      const lookup = providers.shutdownLookup(model.provider as ProviderName);
      if (!lookup) return undefined;
      const key = `${model.provider}:${model.model}`;
      let entry = checked.get(key);
      if (!entry || now.getTime() - entry.at > DAY_MS) {
        try {
          entry = { at: now.getTime(), date: await lookup(model.model) };
        } catch (error) {
          if (error instanceof ProviderError && error.modelGone) return MODEL_GONE_REASON;
          return undefined; // cannot tell now; the calls themselves will say
        }
        checked.set(key, entry);
      }
      return entry.date && entry.date <= now.toISOString().slice(0, 10)
        ? `past its shutdown date ${entry.date}`
        : undefined;
    },
  };
}

export type ModelShutdowns = ReturnType<typeof modelShutdowns>;
