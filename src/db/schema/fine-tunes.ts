import {
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
  boolean,
  index,
} from 'drizzle-orm/pg-core';
import type { FineTuneHyperparameters } from '../../domain/training/fine-tune-request.js';
import type { CurvePoint } from '../../domain/training/result-file.js';
import { datasetVersions } from './datasets.js';
import { modelVersions } from './model-versions.js';
import { tasks } from './tasks.js';

export const FINE_TUNE_STATUSES = [
  'pending',
  'uploading',
  'validating_files',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'refused',
] as const;
export type FineTuneStatus = (typeof FINE_TUNE_STATUSES)[number];
export const TERMINAL_FINE_TUNE_STATUSES: readonly FineTuneStatus[] = ['succeeded', 'failed', 'cancelled', 'refused'];

/**
 * The automatic test evaluation a trained model gets, decided after the model is registered:
 * `queued` with the evaluation, or `skipped` with why (no labeled test rows, ...). It never
 * changes the fine-tune's own outcome.
 */
export interface AutoEvaluation {
  status: 'queued' | 'skipped';
  evaluation_id: string | null;
  reason: string | null;
}

/** A training job, at a provider or in the local trainer, from the request to the resulting model. */
export const fineTunes = pgTable(
  'fine_tunes',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    datasetVersionId: uuid('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    provider: text('provider').notNull(),
    baseModel: text('base_model').notNull(),
    parentModelVersionId: uuid('parent_model_version_id').references(() => modelVersions.id),
    suffix: text('suffix'),
    seed: integer('seed'),
    /** False: chat training examples leave out the system message (the task's instructions). */
    systemMessage: boolean('system_message').notNull().default(true),
    hyperparameters: jsonb('hyperparameters').$type<FineTuneHyperparameters>().notNull(),
    resolvedHyperparameters: jsonb('resolved_hyperparameters').$type<Record<string, unknown>>(),
    estimate: jsonb('estimate').$type<Record<string, unknown>>(),
    status: text('status').$type<FineTuneStatus>().notNull(),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    providerJobId: text('provider_job_id'),
    trainingFileId: text('training_file_id'),
    /** When the files were uploaded: the wait for the provider to process them is bounded from here. */
    filesUploadedAt: timestamp('files_uploaded_at', { withTimezone: true }),
    validationFileId: text('validation_file_id'),
    resultFileId: text('result_file_id'),
    fineTunedModel: text('fine_tuned_model'),
    trainedTokens: integer('trained_tokens'),
    costUsd: doublePrecision('cost_usd'),
    curve: jsonb('curve').$type<CurvePoint[]>(),
    summary: jsonb('summary').$type<Record<string, unknown>>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    modelVersionId: uuid('model_version_id').references(() => modelVersions.id),
    autoEvaluation: jsonb('auto_evaluation').$type<AutoEvaluation>(),
    /** Where reading older provider events continues when a poll's page budget ran out. */
    eventsCursor: text('events_cursor'),
    polls: integer('polls').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('fine_tunes_task_idx').on(table.taskId)],
);

/** Every status a job went through, with when: the timeline. */
export const fineTuneTransitions = pgTable(
  'fine_tune_transitions',
  {
    fineTuneId: uuid('fine_tune_id')
      .notNull()
      .references(() => fineTunes.id),
    seq: integer('seq').notNull(),
    status: text('status').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    detail: text('detail'),
  },
  (table) => [primaryKey({ name: 'fine_tune_transitions_pk', columns: [table.fineTuneId, table.seq] })],
);

/** Provider (or local trainer) events, stored once each: the primary key deduplicates re-reads. */
export const fineTuneEvents = pgTable(
  'fine_tune_events',
  {
    fineTuneId: uuid('fine_tune_id')
      .notNull()
      .references(() => fineTunes.id),
    eventId: text('event_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    level: text('level').notNull(),
    message: text('message').notNull(),
    type: text('type'),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (table) => [primaryKey({ name: 'fine_tune_events_pk', columns: [table.fineTuneId, table.eventId] })],
);

export const fineTuneCheckpoints = pgTable(
  'fine_tune_checkpoints',
  {
    fineTuneId: uuid('fine_tune_id')
      .notNull()
      .references(() => fineTunes.id),
    checkpointId: text('checkpoint_id').notNull(),
    step: integer('step').notNull(),
    model: text('model').notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ name: 'fine_tune_checkpoints_pk', columns: [table.fineTuneId, table.checkpointId] })],
);

export type FineTuneRecord = typeof fineTunes.$inferSelect;
export type FineTuneEventRecord = typeof fineTuneEvents.$inferSelect;
