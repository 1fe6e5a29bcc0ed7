import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Scope } from '../../domain/scopes.js';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    // The key's first characters, kept in clear so people can tell their keys apart.
    prefix: text('prefix').notNull(),
    // SHA-256 of the whole key. Keys are 256-bit random, so a fast hash is enough (no dictionary to attack).
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
    scopes: text('scopes').array().$type<Scope[]>().notNull(),
    /** Classify requests per minute for this key; null means the deployment's default. */
    rateLimitPerMinute: integer('rate_limit_per_minute'),
    /** The only tasks this key may touch; null means every task. Not a foreign key: a task is archived, never deleted. */
    taskIds: uuid('task_ids').array(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [index('api_keys_revoked_at_idx').on(table.revokedAt)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = typeof apiKeys.$inferInsert;
