import { and, desc, eq, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { modelVersions, type ModelVersionRecord } from '../schema/model-versions.js';

export const modelVersionsRepository = (db: Executor) => ({
  /** A fine-tune registers its model once: the unique source makes a retried registration a no-op. */
  async insert(row: typeof modelVersions.$inferInsert, tx: Executor = db): Promise<ModelVersionRecord> {
    const [created] = await tx
      .insert(modelVersions)
      .values(row)
      .onConflictDoNothing({ target: modelVersions.sourceFineTuneId })
      .returning();
    if (created || !row.sourceFineTuneId) return created!;
    const [existing] = await tx
      .select()
      .from(modelVersions)
      .where(eq(modelVersions.sourceFineTuneId, row.sourceFineTuneId!))
      .limit(1);
    return existing!;
  },

  async findBySourceFineTune(fineTuneId: string, tx: Executor = db): Promise<ModelVersionRecord | undefined> {
    const [row] = await tx.select().from(modelVersions).where(eq(modelVersions.sourceFineTuneId, fineTuneId)).limit(1);
    return row;
  },

  /**
   * Each model's training cost plus its ancestors' (parent_id chain, continued training): the sum
   * of the costs known along the chain, null when none is.
   */
  async lineageCosts(ids: string[], tx: Executor = db): Promise<Map<string, number | null>> {
    if (ids.length === 0) return new Map();
    const result = await tx.execute<{ id: string; total: number | null }>(sql`
      WITH RECURSIVE chain(root, id, parent_id, cost) AS (
        SELECT id, id, parent_id, training_cost_usd FROM ${modelVersions}
        WHERE id IN (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})
        UNION ALL
        SELECT chain.root, m.id, m.parent_id, m.training_cost_usd
        FROM ${modelVersions} m JOIN chain ON m.id = chain.parent_id
      )
      SELECT root AS id, sum(cost) AS total FROM chain GROUP BY root`);
    return new Map(result.rows.map((row) => [row.id, row.total === null ? null : Number(row.total)]));
  },

  async findById(id: string, tx: Executor = db): Promise<ModelVersionRecord | undefined> {
    const [row] = await tx.select().from(modelVersions).where(eq(modelVersions.id, id)).limit(1);
    return row;
  },

  async list(
    taskId: string,
    page: { limit: number; after?: string },
    tx: Executor = db,
  ): Promise<ModelVersionRecord[]> {
    return tx
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.taskId, taskId), page.after ? lt(modelVersions.id, page.after) : undefined))
      .orderBy(desc(modelVersions.id))
      .limit(page.limit + 1);
  },

  /** The task's cascades that can still serve (kind `cascade`, not retired), oldest first. */
  async cascadesOf(taskId: string, tx: Executor = db): Promise<ModelVersionRecord[]> {
    return tx
      .select()
      .from(modelVersions)
      .where(
        and(eq(modelVersions.taskId, taskId), eq(modelVersions.kind, 'cascade'), ne(modelVersions.status, 'retired')),
      )
      .orderBy(modelVersions.createdAt);
  },

  /** Cascades not yet retired that have the model as one of their stages. */
  async cascadesWith(modelId: string, tx: Executor = db): Promise<ModelVersionRecord[]> {
    return tx
      .select()
      .from(modelVersions)
      .where(
        and(
          eq(modelVersions.kind, 'cascade'),
          ne(modelVersions.status, 'retired'),
          sql`${modelVersions.cascade} -> 'stages' @> ${JSON.stringify([{ modelVersionId: modelId }])}::jsonb`,
        ),
      );
  },

  async update(
    id: string,
    changes: Partial<typeof modelVersions.$inferInsert>,
    tx: Executor = db,
  ): Promise<ModelVersionRecord | undefined> {
    const [row] = await tx.update(modelVersions).set(changes).where(eq(modelVersions.id, id)).returning();
    return row;
  },
});

export type ModelVersionsRepository = ReturnType<typeof modelVersionsRepository>;
