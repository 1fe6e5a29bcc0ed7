import type { Logger } from 'pino';
import type { ModelEndpointsRepository } from '../../db/repositories/model-endpoints-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { EndpointState, ModelEndpointRecord } from '../../db/schema/model-endpoints.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { newId } from '../../domain/ids.js';
import { errors } from '../../errors.js';
import type { ChangeNotices } from '../../lib/change-notices.js';
import {
  ProviderError,
  type DedicatedEndpointsApi,
  type EndpointHardware,
  type ProviderEndpoint,
} from '../../providers/provider.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import { findOr404 } from '../lookup.js';

export interface StartEndpointInput {
  hardware: string;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * A row still `requested` with no provider id this long after it was written is taken for an
 * endpoint never created (the create call failed before reaching the provider), once the
 * provider's list shows no endpoint of its display name.
 */
const NEVER_CREATED_AFTER_MS = 5 * 60_000;

/** Provider states in Tuneline's words; STOPPING, STOPPED and ERROR are handled apart (see `follow`). */
const RUNNING: Readonly<Record<string, EndpointState>> = {
  PENDING: 'pending',
  STARTING: 'starting',
  STARTED: 'started',
};

/** Rejects after `ms`; the call itself is bounded by the connection's timeout, this bounds the wait for it. */
function within<T>(ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    run(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProviderError('retryable', 'timeout', `no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Dedicated endpoints for hosted model versions: started only when asked, stopped when asked and
 * when their model leaves service (retired, rolled back). An endpoint is paid for every minute it
 * runs, so Tuneline never loses track of one: its row is written (`requested`) before the
 * provider is asked, carries a display name the provider keeps (so an endpoint whose create
 * answer was lost is found again), and a stop that failed stays `stopping` until a later attempt
 * (the sweep, `resumeActive`) confirms it. Tuneline only ever stops endpoints it has a row for.
 */
export const modelEndpointsService = (deps: {
  modelEndpointsRepo: Pick<
    ModelEndpointsRepository,
    'insert' | 'findById' | 'latestFor' | 'latestForModels' | 'listLive' | 'update'
  >;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  providers: Pick<Providers, 'has' | 'hasDedicatedEndpoints' | 'dedicatedEndpoints'>;
  notices: Pick<ChangeNotices, 'publish'>;
  logger: Logger;
  /** Longest wait for one provider call made on a request's behalf. */
  callTimeoutMs?: number;
  now?: () => Date;
}) => {
  const callTimeoutMs = deps.callTimeoutMs ?? 15_000;
  const now = deps.now ?? (() => new Date());
  const apiOf = (row: Pick<ModelEndpointRecord, 'provider'>): DedicatedEndpointsApi =>
    deps.providers.dedicatedEndpoints(row.provider as ProviderName);

  /** Routes reload when an endpoint starts or stops serving, so classify names it (or stops naming it). */
  const announce = async (modelVersionId: string) => {
    const model = await deps.modelVersionsRepo.findById(modelVersionId);
    if (model) await deps.notices.publish('routing', model.taskId);
  };

  const save = async (row: ModelEndpointRecord, changes: Partial<ModelEndpointRecord>) => {
    const updated = (await deps.modelEndpointsRepo.update(row.id, changes)) ?? row;
    if ((row.state === 'started') !== (updated.state === 'started')) await announce(row.modelVersionId);
    return updated;
  };

  /** Asks the provider to stop the endpoint; the row says whether it is confirmed (`stopped`) or still to do. */
  const attemptStop = async (row: ModelEndpointRecord): Promise<ModelEndpointRecord> => {
    try {
      let providerId = row.providerEndpointId;
      if (!providerId) {
        const model = await deps.modelVersionsRepo.findById(row.modelVersionId);
        const found =
          model && (await within(callTimeoutMs, () => apiOf(row).findEndpoint(row.displayName, model.model)));
        if (found) providerId = found.id;
        else if (now().getTime() - row.createdAt.getTime() < NEVER_CREATED_AFTER_MS)
          // The create call may still be under way: the next attempt looks again.
          return await save(row, {
            lastError: 'endpoint not found at the provider yet',
            stopAttempts: row.stopAttempts + 1,
          });
      }
      if (providerId) await within(callTimeoutMs, () => apiOf(row).stop(providerId));
      return await save(row, {
        providerEndpointId: providerId,
        state: 'stopped',
        providerState: providerId ? 'DELETED' : null,
        stoppedAt: now(),
        lastError: null,
        stopAttempts: row.stopAttempts + 1,
      });
    } catch (error) {
      deps.logger.warn({ err: error, endpointId: row.id }, 'could not stop a dedicated endpoint; will retry');
      return save(row, { lastError: `stop failed: ${messageOf(error)}`, stopAttempts: row.stopAttempts + 1 });
    }
  };

  /** Marks the endpoint to be stopped (so classify stops naming it and the sweep retries), then asks the provider. */
  const requestStop = async (row: ModelEndpointRecord, reason: string): Promise<ModelEndpointRecord> => {
    const marked =
      row.state === 'stopping'
        ? row
        : await save(row, { state: 'stopping', stopReason: reason, stopRequestedAt: now() });
    return attemptStop(marked);
  };

  /** Brings the row in step with what the provider reports. */
  const follow = async (row: ModelEndpointRecord, endpoint: ProviderEndpoint): Promise<ModelEndpointRecord> => {
    const identity = { providerEndpointId: endpoint.id, endpointName: endpoint.name, providerState: endpoint.state };
    if (row.state === 'stopping') return attemptStop(await save(row, identity));
    const running = Object.hasOwn(RUNNING, endpoint.state) ? RUNNING[endpoint.state] : undefined;
    if (running)
      return save(row, {
        ...identity,
        state: running,
        ...(running === 'started' && !row.startedAt ? { startedAt: now() } : {}),
      });
    if (endpoint.state === 'ERROR')
      // An endpoint in ERROR serves nothing but is not known to bill nothing: it is deleted too.
      return requestStop(await save(row, identity), 'the endpoint failed at the provider (ERROR)');
    // Stopped (or stopping) without Tuneline asking: its inactivity timeout, or someone at the provider.
    return save(row, {
      ...identity,
      state: endpoint.state === 'STOPPED' ? 'stopped' : 'stopping',
      stopReason: row.stopReason ?? 'stopped at the provider',
      stopRequestedAt: row.stopRequestedAt ?? now(),
      ...(endpoint.state === 'STOPPED' ? { stoppedAt: now() } : {}),
    });
  };

  /** Asks the provider about a live endpoint and records what it says; a failure is recorded, not thrown. */
  const refresh = async (row: ModelEndpointRecord): Promise<ModelEndpointRecord> => {
    if (row.state === 'stopping') return attemptStop(row);
    try {
      if (!row.providerEndpointId) {
        const model = await deps.modelVersionsRepo.findById(row.modelVersionId);
        const found =
          model && (await within(callTimeoutMs, () => apiOf(row).findEndpoint(row.displayName, model.model)));
        if (found) return follow(row, found);
        if (now().getTime() - row.createdAt.getTime() < NEVER_CREATED_AFTER_MS) return row;
        return save(row, { state: 'failed', lastError: row.lastError ?? 'the provider never created the endpoint' });
      }
      const id = row.providerEndpointId;
      return await follow(row, await within(callTimeoutMs, () => apiOf(row).get(id)));
    } catch (error) {
      if (error instanceof ProviderError && error.details.status === 404)
        return save(row, {
          state: 'stopped',
          stoppedAt: now(),
          stopReason: row.stopReason ?? 'gone at the provider',
          providerState: null,
        });
      return save(row, { lastError: `refresh failed: ${messageOf(error)}` });
    }
  };

  const modelOrFail = (id: string): Promise<ModelVersionRecord> =>
    findOr404('model version', id, (known) => deps.modelVersionsRepo.findById(known));

  const requireEndpointsFor = (model: ModelVersionRecord) => {
    const field = 'path.model_version';
    if (model.status === 'retired')
      throw errors.validation('A retired model version gets no dedicated endpoint.', [
        { field, message: 'is retired' },
      ]);
    if (model.kind === 'cascade')
      throw errors.validation('A cascade calls its stages; give a stage its own dedicated endpoint.', [
        { field, message: 'is a cascade: start an endpoint for one of its stage models instead' },
      ]);
    if (model.kind === 'local_trained' || !deps.providers.has(model.provider))
      throw errors.validation('Only a hosted model version can have a dedicated endpoint.', [
        { field, message: 'is not served by a hosted provider connection' },
      ]);
    if (!deps.providers.hasDedicatedEndpoints(model.provider))
      throw errors.validation(`The ${model.provider} connection has no dedicated endpoints (GET /v1/providers).`, [
        { field, message: `its connection ${model.provider} has no dedicated endpoints` },
      ]);
  };

  /** A provider refusal or failure as the client should see it: its refusal is the request's fault (400), a failure is not. */
  const providerFailure = (error: unknown, field: string, doing: string) => {
    if (error instanceof ProviderError && !error.retryable)
      return errors.validation(`The provider refused ${doing}: ${error.message}`, [{ field, message: error.message }]);
    if (error instanceof ProviderError)
      return errors.unavailable(`The provider could not be reached ${doing}; try again.`, { code: error.code });
    return error;
  };

  return {
    /** Starts a dedicated endpoint for the model version, priced from the provider's hardware list. */
    async start(modelVersionId: string, input: StartEndpointInput): Promise<ModelEndpointRecord> {
      const model = await modelOrFail(modelVersionId);
      requireEndpointsFor(model);
      if (input.maxReplicas < input.minReplicas)
        throw errors.validation('max_replicas must be at least min_replicas.', [
          { field: 'body.max_replicas', message: 'is below min_replicas' },
        ]);
      const live = await deps.modelEndpointsRepo.latestFor(model.id);
      if (live && !['stopped', 'failed'].includes(live.state))
        throw errors.conflict('The model version already has a dedicated endpoint; stop it first.', {
          endpoint_id: live.id,
          state: live.state,
        });
      const api = deps.providers.dedicatedEndpoints(model.provider);
      let offered: EndpointHardware[];
      try {
        offered = await within(callTimeoutMs, () => api.hardware(model.model));
      } catch (error) {
        throw providerFailure(error, 'path.model_version', 'to list hardware for the model');
      }
      const hardware = offered.find((candidate) => candidate.id === input.hardware);
      if (!hardware)
        throw errors.validation('Unknown hardware for this model.', [
          {
            field: 'body.hardware',
            message: `not offered for ${model.model}; one of: ${offered.map((candidate) => candidate.id).join(', ') || 'none'}`,
          },
        ]);
      if (hardware.availability !== null && hardware.availability !== 'available')
        throw errors.validation('The hardware is not available now.', [
          { field: 'body.hardware', message: `is ${hardware.availability}; choose another or retry later` },
        ]);

      const id = newId();
      // Written before the provider is asked: the endpoint is paid for from its first minute.
      let row = await deps.modelEndpointsRepo.insert({
        id,
        modelVersionId: model.id,
        provider: model.provider,
        displayName: `tuneline-${id}`,
        hardware: hardware.id,
        minReplicas: input.minReplicas,
        maxReplicas: input.maxReplicas,
        pricePerMinuteUsd: hardware.pricePerMinuteUsd * input.minReplicas,
        state: 'requested',
      });
      let created: ProviderEndpoint;
      try {
        created = await within(callTimeoutMs, () =>
          api.create({
            model: model.model,
            hardware: hardware.id,
            minReplicas: input.minReplicas,
            maxReplicas: input.maxReplicas,
            displayName: row.displayName,
          }),
        );
      } catch (error) {
        if (error instanceof ProviderError && !error.retryable) {
          await save(row, { state: 'failed', lastError: error.message });
          throw providerFailure(error, 'body.hardware', 'the endpoint');
        }
        // It may exist: the row stays `requested`, and the next look (GET, the sweep) finds it by name.
        deps.logger.warn({ err: error, endpointId: row.id }, 'endpoint creation unanswered; will look for it');
        return save(row, { lastError: `create unanswered: ${messageOf(error)}` });
      }
      // A stop asked for while the create was under way wins.
      row = (await deps.modelEndpointsRepo.findById(row.id)) ?? row;
      return follow(row, created);
    },

    /** The model version's endpoint (its live one, else its latest), brought up to date with the provider. */
    async get(modelVersionId: string): Promise<ModelEndpointRecord> {
      const model = await modelOrFail(modelVersionId);
      const row = await deps.modelEndpointsRepo.latestFor(model.id);
      if (!row) throw errors.notFound('endpoint of model version', model.id);
      return ['stopped', 'failed'].includes(row.state) ? row : refresh(row);
    },

    /** Stops the model version's live endpoint on request; 404 when it has none. */
    async stop(modelVersionId: string, reason: string): Promise<ModelEndpointRecord> {
      const model = await modelOrFail(modelVersionId);
      const row = await deps.modelEndpointsRepo.latestFor(model.id);
      if (!row || ['stopped', 'failed'].includes(row.state))
        throw errors.notFound('running endpoint of model version', model.id);
      return requestStop(row, reason);
    },

    /**
     * Stops the endpoints of a model that left service, off the caller's path: the row is marked
     * `stopping` now (so nothing is forgotten if the process dies), the provider is asked in the
     * background, and a failure is left for the sweep.
     */
    async stopFor(modelVersionId: string, reason: string): Promise<void> {
      const row = await deps.modelEndpointsRepo.latestFor(modelVersionId);
      if (!row || ['stopped', 'failed'].includes(row.state)) return;
      const marked =
        row.state === 'stopping'
          ? row
          : await save(row, { state: 'stopping', stopReason: reason, stopRequestedAt: now() });
      void attemptStop(marked).catch((error: unknown) =>
        deps.logger.error({ err: error, endpointId: row.id }, 'could not record an endpoint stop'),
      );
    },

    /** The latest endpoint of each model version, for views. */
    latestForModels: (modelVersionIds: string[]) => deps.modelEndpointsRepo.latestForModels(modelVersionIds),

    /**
     * The name classify gives as the model for each model version served by a started endpoint.
     * Routes load it, so it is read when a route is, not per call.
     */
    async servingNames(modelVersionIds: string[]): Promise<Map<string, string>> {
      const latest = await deps.modelEndpointsRepo.latestForModels(modelVersionIds);
      const names = new Map<string, string>();
      for (const [id, row] of latest) if (row.state === 'started' && row.endpointName) names.set(id, row.endpointName);
      return names;
    },

    /**
     * The sweep, run by workers every minute: every endpoint that may still be billed is looked at,
     * adopted when its create answer was lost, followed to `started`, and stopped again when a stop
     * failed. One failing endpoint does not hold up the others.
     */
    async resumeActive(): Promise<{ checked: number }> {
      const live = await deps.modelEndpointsRepo.listLive();
      for (const row of live) {
        if (!deps.providers.has(row.provider) || !deps.providers.hasDedicatedEndpoints(row.provider)) continue;
        const model = await deps.modelVersionsRepo.findById(row.modelVersionId);
        // A retirement whose stop was never marked (the process died in between) is caught up here.
        const work =
          model?.status === 'retired' && row.state !== 'stopping'
            ? requestStop(row, `retired: ${model.retiredReason ?? 'model retired'}`)
            : refresh(row);
        await work.catch((error: unknown) =>
          deps.logger.warn({ err: error, endpointId: row.id }, 'endpoint sweep failed for one endpoint'),
        );
      }
      return { checked: live.length };
    },
  };
};

export type ModelEndpointsService = ReturnType<typeof modelEndpointsService>;
