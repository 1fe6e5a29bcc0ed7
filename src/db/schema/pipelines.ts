import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { PipelineOutcome } from '../../domain/pipelines/outcome.js';
import type { PipelineParams } from '../../domain/pipelines/pipeline-params.js';
import type { PipelineOrigin } from '../../domain/routing/on-shutdown.js';
import { tasks } from './tasks.js';

export const PIPELINE_STATUSES = ['running', 'completed', 'failed'] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];
export const STEP_STATUSES = ['pending', 'running', 'completed', 'failed', 'skipped', 'blocked'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** One run of the whole loop for a task: label → prepare → train → evaluate → promote. */
export const pipelines = pgTable(
  'pipelines',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    status: text('status').$type<PipelineStatus>().notNull(),
    /** The request, as accepted. */
    params: jsonb('params').$type<PipelineParams>().notNull(),
    /** Incremented by each retry; step jobs of an older attempt are ignored. */
    attempt: integer('attempt').notNull().default(1),
    error: text('error'),
    /** Set when the pipeline completes: what it left serving, and why. */
    outcome: jsonb('outcome').$type<PipelineOutcome>(),
    /** Why Tuneline started it (an on_shutdown retrain); null for a pipeline asked for over the API. */
    origin: jsonb('origin').$type<PipelineOrigin>(),
    /** One pipeline per origin (task and shutdown date): repeated checks find it instead of starting another. */
    originKey: text('origin_key').unique('pipelines_origin_key_unique'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('pipelines_task_idx').on(table.taskId)],
);

/** Each step's state, timings, cost and outputs: what later steps read and what a retry keeps. */
export const pipelineSteps = pgTable(
  'pipeline_steps',
  {
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    status: text('status').$type<StepStatus>().notNull(),
    outputs: jsonb('outputs').$type<Record<string, unknown>>().notNull().default({}),
    costUsd: doublePrecision('cost_usd'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ name: 'pipeline_steps_pk', columns: [table.pipelineId, table.name] })],
);

export type PipelineRecord = typeof pipelines.$inferSelect;
export type PipelineStepRecord = typeof pipelineSteps.$inferSelect;
