import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { cascadePlans, type CascadePlanRecord } from '../schema/cascade-plans.js';

export const cascadePlansRepository = (db: Executor) => ({
  async insert(row: typeof cascadePlans.$inferInsert, tx: Executor = db): Promise<CascadePlanRecord> {
    const [created] = await tx.insert(cascadePlans).values(row).returning();
    return created!;
  },

  async findById(id: string, tx: Executor = db): Promise<CascadePlanRecord | undefined> {
    const [row] = await tx.select().from(cascadePlans).where(eq(cascadePlans.id, id)).limit(1);
    return row;
  },

  /** Newest first (ids are time-ordered). */
  async listForTask(taskId: string, page: { limit: number; after?: string }, tx: Executor = db) {
    return tx
      .select()
      .from(cascadePlans)
      .where(and(eq(cascadePlans.taskId, taskId), page.after ? lt(cascadePlans.id, page.after) : undefined))
      .orderBy(desc(cascadePlans.id))
      .limit(page.limit + 1);
  },

  /** Records the cascade the plan was applied as, once: a plan applied again keeps its first. */
  async setCascade(id: string, cascadeModelVersionId: string, tx: Executor = db) {
    const [row] = await tx
      .update(cascadePlans)
      .set({ cascadeModelVersionId })
      .where(and(eq(cascadePlans.id, id), isNull(cascadePlans.cascadeModelVersionId)))
      .returning();
    return row ?? (await this.findById(id, tx));
  },
});

export type CascadePlansRepository = ReturnType<typeof cascadePlansRepository>;
