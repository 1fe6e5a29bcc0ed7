import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { LabelRunParams } from '../../domain/labeling/label-run-request.js';
import type { LabelRunPrompt } from '../../domain/labeling/prompt-config.js';
import { datasetVersions } from './datasets.js';
import { tasks } from './tasks.js';

export const LABEL_RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type LabelRunStatus = (typeof LABEL_RUN_STATUSES)[number];

/** One LLM labeling pass over a dataset version. Progress is counted from its results, never kept in counters. */
export const labelRuns = pgTable(
  'label_runs',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    sourceVersionId: uuid('source_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    status: text('status').$type<LabelRunStatus>().notNull(),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    mode: text('mode').notNull(),
    /** The request as accepted (limits, refine, thresholds, rate limits). */
    params: jsonb('params').$type<LabelRunParams>().notNull(),
    /** The exact prompt used: instructions, labels and few-shot examples, frozen at creation. */
    prompt: jsonb('prompt').$type<LabelRunPrompt>().notNull(),
    total: integer('total').notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Why a run ended early without failing (max_cost reached). */
    stopReason: text('stop_reason'),
    resultVersionId: uuid('result_version_id').references(() => datasetVersions.id),
    report: jsonb('report').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('label_runs_source_idx').on(table.sourceVersionId)],
);

/** The examples a run must label, numbered so the work splits into fixed chunks. */
export const labelRunItems = pgTable(
  'label_run_items',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => labelRuns.id),
    seq: integer('seq').notNull(),
    exampleId: text('example_id').notNull(),
  },
  (table) => [primaryKey({ name: 'label_run_items_pk', columns: [table.runId, table.seq] })],
);

/**
 * One answer per example per run: the primary key is what makes "labeled at most once" true even
 * when a chunk is retried or two workers race on it.
 */
export const labelResults = pgTable(
  'label_results',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => labelRuns.id),
    exampleId: text('example_id').notNull(),
    status: text('status').$type<'labeled' | 'unparseable' | 'failed'>().notNull(),
    label: text('label'),
    confidence: real('confidence'),
    probabilities: jsonb('probabilities').$type<Record<string, number>>(),
    rawOutput: text('raw_output'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: doublePrecision('cost_usd'),
    latencyMs: integer('latency_ms'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'label_results_pk', columns: [table.runId, table.exampleId] }),
    index('label_results_run_created_idx').on(table.runId, table.createdAt),
  ],
);

export type LabelRunRecord = typeof labelRuns.$inferSelect;
export type LabelResultRecord = typeof labelResults.$inferSelect;
