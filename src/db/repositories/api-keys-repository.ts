import { and, desc, eq, isNotNull, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { withPgErrors } from '../pg-errors.js';
import { apiKeys, type ApiKeyRow, type NewApiKeyRow } from '../schema/api-keys.js';

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

  async findByHash(keyHash: string, tx: Executor = db): Promise<ApiKeyRow | undefined> {
    const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
    return row;
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
