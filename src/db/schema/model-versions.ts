import { sql } from 'drizzle-orm';
import {
  customType,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import type { TextOperation } from '../../domain/datasets/text-preparation.js';
import type { CascadeDefinition } from '../../domain/routing/cascade-definition.js';
import type { PromptConfig, PromptFormat } from '../../domain/labeling/prompt-config.js';
import { datasetVersions } from './datasets.js';
import { tasks } from './tasks.js';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const MODEL_KINDS = ['prompt', 'fine_tuned', 'local_trained', 'cascade'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export const MODEL_STATUSES = ['candidate', 'champion', 'fallback', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/**
 * Anything that can classify for a task: a prompt-only model, a hosted fine-tune, a local model, or a
 * cascade of other model versions (kind `cascade`, with `cascade` set), which competes like any model.
 */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    name: text('name').notNull(),
    kind: text('kind').$type<ModelKind>().notNull(),
    provider: text('provider').notNull(),
    /** The provider's model id: gpt-4o-mini, ft:gpt-4o-mini:org::abc, local-linear, few-shot-tfidf. */
    model: text('model').notNull(),
    status: text('status').$type<ModelStatus>().notNull().default('candidate'),
    /** Instructions, labels and few-shot examples the model is prompted with. */
    prompt: jsonb('prompt').$type<PromptConfig>().notNull(),
    labelCodes: jsonb('label_codes').$type<Record<string, string>>(),
    /**
     * The text-changing operations (clean) its training data went through, oldest first: classify
     * applies them to an input before asking the model, so it sees text prepared as it was trained on.
     */
    textOperations: jsonb('text_operations').$type<TextOperation[]>().notNull().default(sql`'[]'::jsonb`),
    /** How its training examples were laid out, so it is prompted the same way. */
    promptFormat: text('prompt_format').$type<PromptFormat>().notNull().default('chat'),
    /** Trained weights of a local model (gzip JSON); null for hosted models. */
    artifact: bytea('artifact'),
    parentId: uuid('parent_id').references((): AnyPgColumn => modelVersions.id),
    trainedOnVersionId: uuid('trained_on_version_id').references(() => datasetVersions.id),
    sourceFineTuneId: uuid('source_fine_tune_id').unique('model_versions_source_fine_tune_unique'),
    trainingCostUsd: doublePrecision('training_cost_usd'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    retiredReason: text('retired_reason'),
    /**
     * `none`: the model gives no confidences (its server sent no logprobs, or its connection is
     * set `logprobs: false`), with why in `confidence_note`; null: its own, as far as known.
     */
    confidenceSource: text('confidence_source').$type<'none'>(),
    confidenceNote: text('confidence_note'),
    /** Kind `cascade` only: its stages in order, each but the last with its threshold. */
    cascade: jsonb('cascade').$type<CascadeDefinition>(),
  },
  (table) => [index('model_versions_task_idx').on(table.taskId)],
);

export type ModelVersionRecord = typeof modelVersions.$inferSelect;
