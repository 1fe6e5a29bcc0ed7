import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import type { StoredVersionStats } from '../../domain/datasets/stats.js';
import { tasks } from './tasks.js';

export const datasets = pgTable(
  'datasets',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [unique('datasets_task_name_unique').on(table.taskId, table.name)],
);

/**
 * Texts, stored once and addressed by the SHA-256 of their content, so versions that share an
 * example share its row: deriving a version copies (position, example id, label), never texts.
 */
export const examples = pgTable('examples', {
  id: text('id').primaryKey(),
  text: text('text').notNull(),
  // Counted once with o200k_base (the tokenizer of current OpenAI models) for version statistics.
  tokens: integer('tokens').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Immutable once numbered. `number` is null only while the version is being written. */
export const datasetVersions = pgTable(
  'dataset_versions',
  {
    id: uuid('id').primaryKey(),
    datasetId: uuid('dataset_id')
      .notNull()
      .references(() => datasets.id),
    number: integer('number'),
    parentId: uuid('parent_id').references((): AnyPgColumn => datasetVersions.id),
    operation: text('operation').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    report: jsonb('report').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    stats: jsonb('stats').$type<StoredVersionStats>().notNull().default(sql`'{}'::jsonb`),
    labelCodes: jsonb('label_codes').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    rowCount: integer('row_count').notNull().default(0),
    contentHash: text('content_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    unique('dataset_versions_number_unique').on(table.datasetId, table.number),
    index('dataset_versions_parent_idx').on(table.parentId),
  ],
);

export const datasetRows = pgTable(
  'dataset_rows',
  {
    versionId: uuid('version_id')
      .notNull()
      .references(() => datasetVersions.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    // No foreign key to examples on purpose: it doubled the cost of writing a 100,000-row version.
    // The version writer inserts a row's example in the same transaction first, and examples are
    // never deleted, so the reference cannot dangle.
    exampleId: text('example_id').notNull(),
    label: text('label'),
    labelSource: text('label_source'),
    confidence: real('confidence'),
    split: text('split'),
  },
  (table) => [primaryKey({ name: 'dataset_rows_pk', columns: [table.versionId, table.position] })],
);

export type DatasetRecord = typeof datasets.$inferSelect;
export type DatasetVersionRecord = typeof datasetVersions.$inferSelect;
