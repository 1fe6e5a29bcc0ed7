import { doublePrecision, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { CascadeTarget } from '../../domain/routing/cascade-plan.js';
import { datasetVersions } from './datasets.js';
import { modelVersions } from './model-versions.js';
import { tasks } from './tasks.js';

/**
 * A cascade plan: thresholds for candidate model versions searched on one split's stored
 * evaluation predictions (`choose_split`) and reported on another (`report_split`). `result` holds
 * the figures as computed then; `cascade_model_version_id` is set once the plan is applied.
 */
export const cascadePlans = pgTable(
  'cascade_plans',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    modelVersionIds: jsonb('model_version_ids').$type<string[]>().notNull(),
    datasetVersionId: uuid('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    chooseSplit: text('choose_split').notNull(),
    reportSplit: text('report_split').notNull(),
    target: jsonb('target').$type<CascadeTarget>().notNull(),
    abstainBelow: doublePrecision('abstain_below'),
    result: jsonb('result').$type<Record<string, unknown>>().notNull(),
    cascadeModelVersionId: uuid('cascade_model_version_id').references(() => modelVersions.id),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('cascade_plans_task_idx').on(table.taskId, table.createdAt)],
);

export type CascadePlanRecord = typeof cascadePlans.$inferSelect;
