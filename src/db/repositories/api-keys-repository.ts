import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { withPgErrors } from '../pg-errors.js';
import { apiKeys, type ApiKeyRow, type NewApiKeyRow } from '../schema/api-keys.js';
import { tasks } from '../schema/tasks.js';

export interface ApiKeyListFilter {
  limit: number;
  after?: string;
  includeRevoked: boolean;
}

export const apiKeysRepository = (db: Executor) => ({
  async insert(row: NewApiKeyRow, tx: Executor = db): Promise<ApiKeyRow> {
    const [created] = await withPgErrors(() => tx.insert(apiKeys).values(row).returning());
    return created!;
  },

  /** The key with the tasks it is limited to (id and slug), so a request needs no further lookup. */
  async findByHash(
    keyHash: string,
    tx: Executor = db,
  ): Promise<(ApiKeyRow & { tasks: { id: string; slug: string }[] | null }) | undefined> {
    const [row] = await tx
      .select({
        ...getTableColumns(apiKeys),
        tasks: sql<{ id: string; slug: string }[] | null>`case when ${apiKeys.taskIds} is null then null else
          (select coalesce(json_agg(json_build_object('id', ${tasks.id}, 'slug', ${tasks.slug})), '[]'::json)
             from ${tasks} where ${tasks.id} = any(${apiKeys.taskIds})) end`,
      })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, keyHash))
      .limit(1);
    return row;
  },

  /** Which of these task ids exist. */
  async existingTaskIds(ids: string[], tx: Executor = db): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await tx.select({ id: tasks.id }).from(tasks).where(inArray(tasks.id, ids));
    return new Set(found.map((row) => row.id));
  },

  async findById(id: string, tx: Executor = db): Promise<ApiKeyRow | undefined> {
    const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
    return row;
  },

  async list(filter: ApiKeyListFilter, tx: Executor = db): Promise<ApiKeyRow[]> {
    const conditions: SQL[] = [];
    if (filter.after) conditions.push(lt(apiKeys.id, filter.after));
    if (!filter.includeRevoked) conditions.push(isNull(apiKeys.revokedAt));
    return tx
      .select()
      .from(apiKeys)
      .where(and(...conditions))
      .orderBy(desc(apiKeys.id))
      .limit(filter.limit + 1);
  },

  /** Revoking twice keeps the first revocation time. */
  async revoke(id: string, at: Date, tx: Executor = db): Promise<ApiKeyRow | undefined> {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: at })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning();
    return row ?? (await this.findById(id, tx));
  },

  /** Deletes keys revoked or expired before `cutoff`; returns how many went. */
  async deleteDeadBefore(cutoff: Date, tx: Executor = db): Promise<number> {
    const deleted = await tx
      .delete(apiKeys)
      .where(
        or(
          and(isNotNull(apiKeys.revokedAt), lt(apiKeys.revokedAt, cutoff)),
          and(isNotNull(apiKeys.expiresAt), lt(apiKeys.expiresAt, cutoff)),
        ),
      )
      .returning({ id: apiKeys.id });
    return deleted.length;
  },
});

export type ApiKeysRepository = ReturnType<typeof apiKeysRepository>;
