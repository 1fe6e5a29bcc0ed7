import { errors } from '../../errors.js';
import type { ProviderName } from '../../providers/registry.js';
import type { ModelCatalogueService } from './model-catalogue.js';

/**
 * Refuses (400 model_shut_down) work on a model past its shutdown date on its connection, by that
 * connection's catalogue, pointing at the request field that chose the model. Checked before
 * anything is written or sent, so nothing is billed. A model the provider's list does not show is
 * not refused for that: fine-tunes and deployments are often not listed.
 */
export const shutDownModels = (catalogue: Pick<ModelCatalogueService, 'shutDownBy'>) => ({
  async refuse(provider: ProviderName, model: string, field: string, now: Date = new Date()): Promise<void> {
    const known = await catalogue.shutDownBy(provider, model, now);
    if (known) throw errors.modelShutDown(model, known.date, field, known);
  },
});

export type ShutDownModels = ReturnType<typeof shutDownModels>;
