import { and, desc, eq, isNotNull, lt } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { routingEvents, taskRouting, type TaskRoutingRecord } from '../schema/routing.js';

export const routingRepository = (db: Executor) => ({
  /** The task's routing row, created with the default policy on first use. */
  async get(taskId: string, tx: Executor = db): Promise<TaskRoutingRecord> {
    await tx.insert(taskRouting).values({ taskId }).onConflictDoNothing();
    const [row] = await tx.select().from(taskRouting).where(eq(taskRouting.taskId, taskId)).limit(1);
    return row!;
  },

  /** Locks the row for a read-decide-write change (promotions must not interleave). */
  async lock(taskId: string, tx: Executor): Promise<TaskRoutingRecord> {
    await tx.insert(taskRouting).values({ taskId }).onConflictDoNothing();
    const [row] = await tx.select().from(taskRouting).where(eq(taskRouting.taskId, taskId)).for('update');
    return row!;
  },

  async update(
    taskId: string,
    changes: Partial<typeof taskRouting.$inferInsert>,
    tx: Executor = db,
  ): Promise<TaskRoutingRecord> {
    const [row] = await tx
      .update(taskRouting)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(taskRouting.taskId, taskId))
      .returning();
    return row!;
  },

  /** The routing rows with an on_shutdown policy and a champion: what the shutdown check looks at. */
  async withOnShutdown(tx: Executor = db): Promise<TaskRoutingRecord[]> {
    return tx
      .select()
      .from(taskRouting)
      .where(and(isNotNull(taskRouting.onShutdown), isNotNull(taskRouting.championId)));
  },

  async addEvent(event: typeof routingEvents.$inferInsert, tx: Executor = db) {
    await tx.insert(routingEvents).values(event);
  },

  async history(taskId: string, page: { limit: number; after?: string }, tx: Executor = db) {
    return tx
      .select()
      .from(routingEvents)
      .where(and(eq(routingEvents.taskId, taskId), page.after ? lt(routingEvents.id, page.after) : undefined))
      .orderBy(desc(routingEvents.id))
      .limit(page.limit + 1);
  },

  /** The most recent promotion, to roll back from. */
  async lastPromotion(taskId: string, tx: Executor = db) {
    const rows = await tx
      .select()
      .from(routingEvents)
      .where(eq(routingEvents.taskId, taskId))
      .orderBy(desc(routingEvents.id))
      .limit(50);
    return rows.find((event) => event.action === 'promote' || event.action === 'auto_promote');
  },
});

export type RoutingRepository = ReturnType<typeof routingRepository>;
