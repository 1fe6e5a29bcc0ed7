import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, real, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Escalation } from '../../domain/routing/cascade-stage.js';
import { tasks } from './tasks.js';

export const SERVED_BY = ['champion', 'fallback'] as const;
export type ServedBy = (typeof SERVED_BY)[number];

/**
 * Every production classification, written in batches by the prediction log (never one INSERT per
 * request). Append-only: feedback lives in its own table so the hot table is never updated.
 * No foreign keys on purpose: they would cost every batch a lookup per row, and tasks and model
 * versions are never deleted.
 */
export const predictions = pgTable(
  'predictions',
  {
    // UUIDv7 generated when the prediction is made, so the id orders predictions in time.
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id').notNull(),
    /** The model version that answered; null when no model could. */
    modelVersionId: uuid('model_version_id'),
    servedBy: text('served_by').$type<ServedBy>(),
    /** SHA-256 of the text, the same address dataset examples use, so feedback can find its example. */
    inputHash: text('input_hash').notNull(),
    /** Null when the task opts out of storing inputs. */
    inputText: text('input_text'),
    label: text('label'),
    confidence: real('confidence'),
    probabilities: jsonb('probabilities').$type<Record<string, number>>(),
    latencyMs: real('latency_ms').notNull(),
    /** Why the champion did not answer when the fallback did (timeout, circuit_open, ...). */
    fallbackReason: text('fallback_reason'),
    /** Set when no model answered. */
    errorCode: text('error_code'),
    error: text('error'),
    apiKeyId: text('api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /**
     * Served by a cascade: its model version, the index of the stage that answered (model_version_id
     * is that stage's model), and the stages passed over before it. Null for a single champion.
     */
    cascadeId: uuid('cascade_id'),
    stage: smallint('stage'),
    escalated: jsonb('escalated').$type<Escalation[]>(),
    /** The cascade's last stage was below its abstain threshold: no label, a person decides. */
    abstained: boolean('abstained').notNull().default(false),
  },
  (table) => [index('predictions_task_time_idx').on(table.taskId, table.createdAt)],
);

/** The true label for a prediction, from the calling service or a person; the latest word wins. */
export const predictionFeedback = pgTable(
  'prediction_feedback',
  {
    predictionId: uuid('prediction_id')
      .primaryKey()
      .references(() => predictions.id),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    label: text('label').notNull(),
    comment: text('comment'),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [index('prediction_feedback_task_idx').on(table.taskId, table.updatedAt)],
);

export type PredictionRecord = typeof predictions.$inferSelect;
export type NewPrediction = typeof predictions.$inferInsert;
export type PredictionFeedbackRecord = typeof predictionFeedback.$inferSelect;
