import { and, asc, desc, eq, gte, inArray, lt, notExists, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { recentProgress, type RecentProgress } from './progress-buckets.js';
import {
  labelResults,
  labelRunItems,
  labelRuns,
  type LabelResultRecord,
  type LabelRunRecord,
  type LabelRunStatus,
} from '../schema/label-runs.js';

export interface RunProgress {
  labeled: number;
  unparseable: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type NewResult = typeof labelResults.$inferInsert;

export const labelRunsRepository = (db: Executor) => ({
  async insert(run: typeof labelRuns.$inferInsert, exampleIds: string[], tx: Executor = db): Promise<LabelRunRecord> {
    const [created] = await tx.insert(labelRuns).values(run).returning();
    for (let start = 0; start < exampleIds.length; start += 5_000) {
      const slice = exampleIds.slice(start, start + 5_000);
      await tx.execute(sql`
        INSERT INTO ${labelRunItems} (run_id, seq, example_id)
        SELECT ${run.id}::uuid, s, e FROM unnest(${sql.param(slice.map((_, i) => start + i))}::int[], ${sql.param(slice)}::text[]) AS t(s, e)`);
    }
    return created!;
  },

  async findById(id: string, tx: Executor = db): Promise<LabelRunRecord | undefined> {
    const [row] = await tx.select().from(labelRuns).where(eq(labelRuns.id, id)).limit(1);
    return row;
  },

  async listForVersion(
    versionId: string,
    page: { limit: number; after?: string },
    tx: Executor = db,
  ): Promise<LabelRunRecord[]> {
    return tx
      .select()
      .from(labelRuns)
      .where(and(eq(labelRuns.sourceVersionId, versionId), page.after ? lt(labelRuns.id, page.after) : undefined))
      .orderBy(desc(labelRuns.id))
      .limit(page.limit + 1);
  },

  /** Runs not yet finished: what a restarted worker pool must make sure is queued. */
  async listActive(tx: Executor = db): Promise<LabelRunRecord[]> {
    return tx
      .select()
      .from(labelRuns)
      .where(inArray(labelRuns.status, ['queued', 'running']));
  },

  /** Moves a run between states only from the states given, so concurrent workers cannot both win. */
  async transition(
    id: string,
    from: LabelRunStatus[],
    to: LabelRunStatus,
    changes: Partial<typeof labelRuns.$inferInsert> = {},
    tx: Executor = db,
  ): Promise<LabelRunRecord | undefined> {
    const [row] = await tx
      .update(labelRuns)
      .set({ ...changes, status: to })
      .where(and(eq(labelRuns.id, id), inArray(labelRuns.status, from)))
      .returning();
    return row;
  },

  async update(id: string, changes: Partial<typeof labelRuns.$inferInsert>, tx: Executor = db): Promise<void> {
    await tx.update(labelRuns).set(changes).where(eq(labelRuns.id, id));
  },

  /** Items of a chunk that have no result yet, in order. */
  async pendingItems(
    runId: string,
    fromSeq: number,
    toSeq: number,
    tx: Executor = db,
  ): Promise<{ seq: number; exampleId: string }[]> {
    return tx
      .select({ seq: labelRunItems.seq, exampleId: labelRunItems.exampleId })
      .from(labelRunItems)
      .where(
        and(
          eq(labelRunItems.runId, runId),
          gte(labelRunItems.seq, fromSeq),
          lt(labelRunItems.seq, toSeq),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(labelResults)
              .where(and(eq(labelResults.runId, runId), eq(labelResults.exampleId, labelRunItems.exampleId))),
          ),
        ),
      )
      .orderBy(asc(labelRunItems.seq));
  },

  /** Records an answer once: a second writer for the same example changes nothing. */
  async recordResult(result: NewResult, tx: Executor = db): Promise<boolean> {
    const inserted = await tx
      .insert(labelResults)
      .values(result)
      .onConflictDoNothing()
      .returning({ id: labelResults.exampleId });
    return inserted.length > 0;
  },

  async progress(runId: string, tx: Executor = db): Promise<RunProgress> {
    const [row] = await tx
      .select({
        labeled: sql<number>`count(*) FILTER (WHERE ${labelResults.status} = 'labeled')::int`,
        unparseable: sql<number>`count(*) FILTER (WHERE ${labelResults.status} = 'unparseable')::int`,
        failed: sql<number>`count(*) FILTER (WHERE ${labelResults.status} = 'failed')::int`,
        inputTokens: sql<number>`coalesce(sum(${labelResults.inputTokens}), 0)::int`,
        outputTokens: sql<number>`coalesce(sum(${labelResults.outputTokens}), 0)::int`,
        costUsd: sql<number>`coalesce(sum(${labelResults.costUsd}), 0)::float8`,
      })
      .from(labelResults)
      .where(eq(labelResults.runId, runId));
    return row!;
  },

  /** Answers per second over the rate window: the run's progress samples. */
  async recentProgress(runId: string, tx: Executor = db): Promise<RecentProgress> {
    return recentProgress(tx, labelResults, labelResults.createdAt, eq(labelResults.runId, runId));
  },

  async results(runId: string, tx: Executor = db): Promise<LabelResultRecord[]> {
    return tx.select().from(labelResults).where(eq(labelResults.runId, runId));
  },

  /**
   * The latest labeled answer per example from the runs on a version (runs that read it, and the
   * run that wrote it), newest run first: what the review queue compares current labels with.
   */
  async latestAnswersForVersion(versionId: string, tx: Executor = db) {
    return tx
      .selectDistinctOn([labelResults.exampleId], {
        exampleId: labelResults.exampleId,
        label: labelResults.label,
        confidence: labelResults.confidence,
        probabilities: labelResults.probabilities,
      })
      .from(labelResults)
      .innerJoin(labelRuns, eq(labelRuns.id, labelResults.runId))
      .where(
        and(
          eq(labelResults.status, 'labeled'),
          sql`(${labelRuns.sourceVersionId} = ${versionId} OR ${labelRuns.resultVersionId} = ${versionId})`,
        ),
      )
      .orderBy(asc(labelResults.exampleId), desc(labelRuns.createdAt), desc(labelRuns.id));
  },

  async resultsPage(
    runId: string,
    page: { limit: number; afterExampleId?: string },
    tx: Executor = db,
  ): Promise<LabelResultRecord[]> {
    return tx
      .select()
      .from(labelResults)
      .where(
        and(
          eq(labelResults.runId, runId),
          page.afterExampleId ? sql`${labelResults.exampleId} > ${page.afterExampleId}` : undefined,
        ),
      )
      .orderBy(asc(labelResults.exampleId))
      .limit(page.limit + 1);
  },
});

export type LabelRunsRepository = ReturnType<typeof labelRunsRepository>;
