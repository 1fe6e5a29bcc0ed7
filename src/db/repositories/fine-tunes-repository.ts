import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import {
  fineTuneCheckpoints,
  fineTuneEvents,
  fineTunes,
  fineTuneTransitions,
  TERMINAL_FINE_TUNE_STATUSES,
  type FineTuneRecord,
  type FineTuneStatus,
} from '../schema/fine-tunes.js';

type Changes = Partial<typeof fineTunes.$inferInsert>;

export const fineTunesRepository = (db: Executor) => ({
  async insert(row: typeof fineTunes.$inferInsert, tx: Executor = db): Promise<FineTuneRecord> {
    const [created] = await tx.insert(fineTunes).values(row).returning();
    await tx.insert(fineTuneTransitions).values({ fineTuneId: row.id, seq: 0, status: row.status });
    return created!;
  },

  async findById(id: string, tx: Executor = db): Promise<FineTuneRecord | undefined> {
    const [row] = await tx.select().from(fineTunes).where(eq(fineTunes.id, id)).limit(1);
    return row;
  },

  async list(taskId: string, page: { limit: number; after?: string }, tx: Executor = db): Promise<FineTuneRecord[]> {
    return tx
      .select()
      .from(fineTunes)
      .where(and(eq(fineTunes.taskId, taskId), page.after ? lt(fineTunes.id, page.after) : undefined))
      .orderBy(desc(fineTunes.id))
      .limit(page.limit + 1);
  },

  async listActive(tx: Executor = db): Promise<FineTuneRecord[]> {
    return tx
      .select()
      .from(fineTunes)
      .where(notInArray(fineTunes.status, [...TERMINAL_FINE_TUNE_STATUSES]));
  },

  /** Succeeded with a model, finished before `before`, and no automatic evaluation decided yet. */
  async listAwaitingAutoEvaluation(before: Date, tx: Executor = db): Promise<FineTuneRecord[]> {
    return tx
      .select()
      .from(fineTunes)
      .where(
        and(
          eq(fineTunes.status, 'succeeded'),
          isNotNull(fineTunes.modelVersionId),
          isNull(fineTunes.autoEvaluation),
          lt(fineTunes.finishedAt, before),
        ),
      );
  },

  async update(id: string, changes: Changes, tx: Executor = db): Promise<FineTuneRecord> {
    const [row] = await tx
      .update(fineTunes)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(fineTunes.id, id))
      .returning();
    return row!;
  },

  /**
   * Changes the status (and more) unless the job already reached an end state, and records the step
   * in the timeline. Returns undefined when nothing changed.
   */
  async transition(id: string, status: FineTuneStatus, changes: Changes = {}, detail?: string, tx: Executor = db) {
    // One transaction: a reader never sees the new status without its timeline entry.
    return tx.transaction(async (inner) => {
      const [row] = await inner
        .update(fineTunes)
        .set({ ...changes, status, updatedAt: new Date() })
        .where(
          and(
            eq(fineTunes.id, id),
            notInArray(fineTunes.status, [...TERMINAL_FINE_TUNE_STATUSES]),
            sql`${fineTunes.status} <> ${status}`,
          ),
        )
        .returning();
      if (!row) return undefined;
      await inner.execute(sql`
        INSERT INTO ${fineTuneTransitions} (fine_tune_id, seq, status, detail)
        SELECT ${id}::uuid, coalesce(max(seq), -1) + 1, ${status}, ${detail ?? null}
        FROM ${fineTuneTransitions} WHERE fine_tune_id = ${id}::uuid`);
      return row;
    });
  },

  async transitions(id: string, tx: Executor = db) {
    return tx
      .select()
      .from(fineTuneTransitions)
      .where(eq(fineTuneTransitions.fineTuneId, id))
      .orderBy(asc(fineTuneTransitions.seq));
  },

  /** Stores events; ones already stored (same id) are skipped. */
  async addEvents(
    id: string,
    events: Omit<typeof fineTuneEvents.$inferInsert, 'fineTuneId'>[],
    tx: Executor = db,
  ): Promise<void> {
    if (events.length === 0) return;
    await tx
      .insert(fineTuneEvents)
      .values(events.map((event) => ({ ...event, fineTuneId: id })))
      .onConflictDoNothing();
  },

  async eventIds(id: string, tx: Executor = db): Promise<Set<string>> {
    const rows = await tx
      .select({ id: fineTuneEvents.eventId })
      .from(fineTuneEvents)
      .where(eq(fineTuneEvents.fineTuneId, id));
    return new Set(rows.map((row) => row.id));
  },

  async events(id: string, limit: number, tx: Executor = db) {
    return tx
      .select()
      .from(fineTuneEvents)
      .where(eq(fineTuneEvents.fineTuneId, id))
      .orderBy(desc(fineTuneEvents.createdAt), desc(fineTuneEvents.eventId))
      .limit(limit);
  },

  /** Newest first, after `after` (the last event of the previous page) when given. */
  async eventsPage(
    id: string,
    page: { limit: number; after?: { createdAt: Date; eventId: string } },
    tx: Executor = db,
  ) {
    return tx
      .select()
      .from(fineTuneEvents)
      .where(
        and(
          eq(fineTuneEvents.fineTuneId, id),
          page.after
            ? sql`(${fineTuneEvents.createdAt}, ${fineTuneEvents.eventId}) < (${page.after.createdAt.toISOString()}::timestamptz, ${page.after.eventId})`
            : undefined,
        ),
      )
      .orderBy(desc(fineTuneEvents.createdAt), desc(fineTuneEvents.eventId))
      .limit(page.limit + 1);
  },

  async addCheckpoints(
    id: string,
    checkpoints: Omit<typeof fineTuneCheckpoints.$inferInsert, 'fineTuneId'>[],
    tx: Executor = db,
  ) {
    if (checkpoints.length === 0) return;
    await tx
      .insert(fineTuneCheckpoints)
      .values(checkpoints.map((checkpoint) => ({ ...checkpoint, fineTuneId: id })))
      .onConflictDoNothing();
  },

  async checkpoints(id: string, tx: Executor = db) {
    return tx
      .select()
      .from(fineTuneCheckpoints)
      .where(eq(fineTuneCheckpoints.fineTuneId, id))
      .orderBy(asc(fineTuneCheckpoints.step));
  },

  async byIds(ids: string[], tx: Executor = db) {
    return ids.length ? tx.select().from(fineTunes).where(inArray(fineTunes.id, ids)) : [];
  },
});

export type FineTunesRepository = ReturnType<typeof fineTunesRepository>;
