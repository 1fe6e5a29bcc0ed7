import { sql } from 'drizzle-orm';
import { doublePrecision, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { modelVersions } from './model-versions.js';

/**
 * A dedicated endpoint's life as Tuneline sees it. `requested`: the row is written and the
 * provider asked (or about to be): the endpoint may exist without Tuneline knowing its id yet.
 * `pending`/`starting`/`started`: as the provider reports. `stopping`: Tuneline wants it stopped
 * and has not yet seen the provider confirm. `stopped`, `failed` (the provider refused it or it
 * ended in ERROR): nothing is billed any more.
 */
export const ENDPOINT_STATES = [
  'requested',
  'pending',
  'starting',
  'started',
  'stopping',
  'stopped',
  'failed',
] as const;
export type EndpointState = (typeof ENDPOINT_STATES)[number];
/** States in which the endpoint may be billed: Tuneline keeps track of these until stopped. */
export const LIVE_ENDPOINT_STATES = ['requested', 'pending', 'starting', 'started', 'stopping'] as const;

/** Dedicated endpoints Tuneline started for a model version (it only ever stops these). */
export const modelEndpoints = pgTable(
  'model_endpoints',
  {
    id: uuid('id').primaryKey(),
    modelVersionId: uuid('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    provider: text('provider').notNull(),
    /** The provider's endpoint id; null until its create call answered. */
    providerEndpointId: text('provider_endpoint_id'),
    /** The provider's system name, which chat requests name as the model to reach the endpoint. */
    endpointName: text('endpoint_name'),
    /** What Tuneline named it at the provider: how it is found again after a crash. */
    displayName: text('display_name').notNull(),
    hardware: text('hardware').notNull(),
    minReplicas: integer('min_replicas').notNull(),
    maxReplicas: integer('max_replicas').notNull(),
    /** USD per minute of uptime at min_replicas (the hardware's price × replicas), read from the provider. */
    pricePerMinuteUsd: doublePrecision('price_per_minute_usd').notNull(),
    state: text('state').$type<EndpointState>().notNull().default('requested'),
    /** The state as the provider last reported it (PENDING, STARTED, ...). */
    providerState: text('provider_state'),
    /** Why the last call about it failed (create refused, stop failed); null when the last one worked. */
    lastError: text('last_error'),
    stopAttempts: integer('stop_attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    stopRequestedAt: timestamp('stop_requested_at', { withTimezone: true }),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    stopReason: text('stop_reason'),
  },
  (table) => [
    index('model_endpoints_model_idx').on(table.modelVersionId),
    // At most one live endpoint per model version: a second request is a conflict.
    uniqueIndex('model_endpoints_one_live')
      .on(table.modelVersionId)
      .where(sql`${table.state} in ('requested', 'pending', 'starting', 'started', 'stopping')`),
  ],
);

export type ModelEndpointRecord = typeof modelEndpoints.$inferSelect;
