import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import type { OpenAIFineTuning } from '../../providers/openai/openai-fine-tuning.js';
import { ProviderError } from '../../providers/provider.js';

const DAY_MS = 24 * 3600 * 1000;

/** The retirement reason when the provider no longer knows a model. */
export const MODEL_GONE_REASON = 'provider says model_not_found';

/**
 * Whether a hosted model is past its provider's announced shutdown date (GET /models/{id}
 * `shutdown_date`), checked at most once a day per model per process.
 */
export function modelShutdowns(api: () => OpenAIFineTuning, isConfigured: () => boolean) {
  const checked = new Map<string, { at: number; date: string | null }>();
  return {
    /** A reason to retire the model, or undefined while it still serves. */
    async pastShutdown(model: ModelVersionRecord, now = new Date()): Promise<string | undefined> {
      if (model.provider !== 'openai' || !isConfigured()) return undefined;
      let entry = checked.get(model.model);
      if (!entry || now.getTime() - entry.at > DAY_MS) {
        try {
          entry = { at: now.getTime(), date: await api().shutdownDate(model.model) };
        } catch (error) {
          if (error instanceof ProviderError && error.modelGone) return MODEL_GONE_REASON;
          return undefined; // cannot tell now; the calls themselves will say
        }
        checked.set(model.model, entry);
      }
      return entry.date && entry.date <= now.toISOString().slice(0, 10) ? `past its shutdown date ${entry.date}` : undefined;
    },
  };
}

export type ModelShutdowns = ReturnType<typeof modelShutdowns>;
