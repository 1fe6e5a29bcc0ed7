import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { EvaluationMetrics } from '../../domain/evaluation/evaluate.js';
import { datasetVersions } from './datasets.js';
import { modelVersions } from './model-versions.js';
import { tasks } from './tasks.js';

export const EVALUATION_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/** One model version on one dataset version's split: per-row predictions and the metrics from them. */
export const evaluations = pgTable(
  'evaluations',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    modelVersionId: uuid('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    datasetVersionId: uuid('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    split: text('split').notNull(),
    status: text('status').$type<EvaluationStatus>().notNull(),
    total: integer('total').notNull(),
    /** The good-vs-bad boundary asked for this evaluation; null takes the task's. */
    goodThreshold: text('good_threshold'),
    /** Set when the evaluation completes. */
    metrics: jsonb('metrics').$type<EvaluationMetrics>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    index('evaluations_model_idx').on(table.modelVersionId),
    index('evaluations_dataset_idx').on(table.datasetVersionId, table.split),
  ],
);

/** The rows an evaluation scores, numbered in the split's order so every model sees the same rows. */
export const evaluationItems = pgTable(
  'evaluation_items',
  {
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    seq: integer('seq').notNull(),
    exampleId: text('example_id').notNull(),
    trueLabel: text('true_label').notNull(),
  },
  (table) => [primaryKey({ name: 'evaluation_items_pk', columns: [table.evaluationId, table.seq] })],
);

/** One prediction per row per evaluation: the primary key makes re-runs and races harmless. */
export const evaluationPredictions = pgTable(
  'evaluation_predictions',
  {
    evaluationId: uuid('evaluation_id')
      .notNull()
      .references(() => evaluations.id),
    seq: integer('seq').notNull(),
    predicted: text('predicted'),
    confidence: real('confidence'),
    probabilities: jsonb('probabilities').$type<Record<string, number>>(),
    latencyMs: integer('latency_ms'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: doublePrecision('cost_usd'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** A cascade's evaluation: the stage that answered the row (null: abstained); null for other models. */
    stage: smallint('stage'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ name: 'evaluation_predictions_pk', columns: [table.evaluationId, table.seq] })],
);

export type EvaluationRecord = typeof evaluations.$inferSelect;
export type EvaluationPredictionRecord = typeof evaluationPredictions.$inferSelect;
