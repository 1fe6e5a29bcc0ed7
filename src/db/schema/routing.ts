import { boolean, doublePrecision, integer, jsonb, pgTable, text, timestamp, uuid, index } from 'drizzle-orm/pg-core';
import type { OnShutdownPolicy } from '../../domain/routing/on-shutdown.js';
import type { RankingMetric } from '../../domain/routing/promotion-policy.js';
import { modelVersions } from './model-versions.js';
import { tasks } from './tasks.js';

/** Per task: which model answers, which one stands in, and when a challenger replaces the champion. */
export const taskRouting = pgTable('task_routing', {
  taskId: uuid('task_id')
    .primaryKey()
    .references(() => tasks.id),
  championId: uuid('champion_id').references(() => modelVersions.id),
  fallbackId: uuid('fallback_id').references(() => modelVersions.id),
  metric: text('metric').$type<RankingMetric>().notNull().default('macro_f1'),
  minImprovement: doublePrecision('min_improvement').notNull().default(0.01),
  minTestSize: integer('min_test_size').notNull().default(30),
  autoPromote: boolean('auto_promote').notNull().default(true),
  /** A challenger whose failed, unparseable or unknown-label predictions exceed this share is not promoted. */
  maxFailureRate: doublePrecision('max_failure_rate').notNull().default(0.05),
  /** When set, a challenger's exact McNemar test against the model it is compared with must give p ≤ this. */
  maxPValue: doublePrecision('max_p_value'),
  /** How long classify waits for the champion (and then the fallback) before giving up on it. */
  timeoutMs: integer('timeout_ms').notNull().default(2000),
  /** Whether the prediction log keeps input texts (the hash is always kept). */
  logInputs: boolean('log_inputs').notNull().default(true),
  /** When set, a champion whose model nears its shutdown date is retrained (null: never). */
  onShutdown: jsonb('on_shutdown').$type<OnShutdownPolicy>(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The audit history: every promotion, rollback, fallback change and retirement, with its reason and numbers. */
export const routingEvents = pgTable(
  'routing_events',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    action: text('action').notNull(),
    fromModelId: uuid('from_model_id'),
    toModelId: uuid('to_model_id'),
    reason: text('reason').notNull(),
    numbers: jsonb('numbers').$type<Record<string, unknown>>(),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('routing_events_task_idx').on(table.taskId, table.createdAt)],
);

export type TaskRoutingRecord = typeof taskRouting.$inferSelect;
export type RoutingEventRecord = typeof routingEvents.$inferSelect;
