import type Together from 'together-ai';
import type { DedicatedEndpoint } from 'together-ai/resources/endpoints/endpoints';
import { ProviderError, type DedicatedEndpointsApi, type ProviderEndpoint } from '../provider.js';
import { toProviderError } from './together-errors.js';

/**
 * Most endpoints of the account looked at one by one when finding an endpoint again by its
 * display name: the list (`GET /endpoints`) leaves display names out, so each candidate of the
 * right model is read with `GET /endpoints/{id}`.
 */
const MAX_CANDIDATES = 20;

/** Together prices hardware in cents per minute (`EndpointPricing.cents_per_minute`). */
const CENTS_PER_USD = 100;

const present = (endpoint: Pick<DedicatedEndpoint, 'id' | 'name' | 'model' | 'state'> & Partial<DedicatedEndpoint>) =>
  ({
    id: endpoint.id,
    name: endpoint.name,
    displayName: endpoint.display_name ?? null,
    model: endpoint.model,
    hardware: endpoint.hardware ?? null,
    state: endpoint.state,
  }) satisfies ProviderEndpoint;

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toProviderError(error);
  }
}

/**
 * Together's dedicated endpoints (`/endpoints`, `/hardware`). An endpoint is created started, with
 * autoscaling between min and max replicas; chat reaches it by its system `name`. Stopping deletes
 * it (`DELETE /endpoints/{id}`): a stopped endpoint Tuneline would never start again is clutter,
 * and a deleted one can bill nothing.
 */
export function togetherEndpoints(client: Together): DedicatedEndpointsApi {
  return {
    async hardware(model) {
      const listed = await call(() => client.endpoints.listHardware({ model }));
      return (listed.data ?? []).flatMap((hardware) => {
        const cents = hardware.pricing?.cents_per_minute;
        // A price that cannot be one leaves the hardware out: Tuneline never starts what it cannot price.
        if (typeof cents !== 'number' || !Number.isFinite(cents) || cents < 0) return [];
        return [
          {
            id: hardware.id,
            pricePerMinuteUsd: cents / CENTS_PER_USD,
            availability: hardware.availability?.status ?? null,
          },
        ];
      });
    },

    async create(input) {
      const created = await call(() =>
        client.endpoints.create({
          model: input.model,
          hardware: input.hardware,
          autoscaling: { min_replicas: input.minReplicas, max_replicas: input.maxReplicas },
          display_name: input.displayName,
        }),
      );
      if (typeof created?.id !== 'string' || typeof created.name !== 'string')
        throw new ProviderError('retryable', 'invalid_response', 'Together answered an endpoint without id or name');
      return present(created);
    },

    get: async (id) => present(await call(() => client.endpoints.retrieve(id))),

    async findEndpoint(displayName, model) {
      const listed = await call(() => client.endpoints.list({ type: 'dedicated', mine: true }));
      const candidates = (listed.data ?? []).filter((endpoint) => endpoint.model === model).slice(0, MAX_CANDIDATES);
      for (const candidate of candidates) {
        const endpoint = await call(() => client.endpoints.retrieve(candidate.id));
        if (endpoint.display_name === displayName) return present(endpoint);
      }
      return undefined;
    },

    async stop(id) {
      try {
        await client.endpoints.delete(id);
      } catch (error) {
        const classified = toProviderError(error);
        // Already gone: nothing is billed, which is all stopping is for.
        if (classified instanceof ProviderError && classified.details.status === 404) return;
        throw classified;
      }
    },
  };
}
