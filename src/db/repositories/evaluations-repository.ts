import { and, asc, desc, eq, gt, gte, inArray, lt, notExists, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { recentProgress, type RecentProgress } from './progress-buckets.js';
import {
  evaluationItems,
  evaluationPredictions,
  evaluations,
  type EvaluationRecord,
  type EvaluationStatus,
} from '../schema/evaluations.js';
import { examples } from '../schema/datasets.js';

export interface PredictionFilter {
  correct?: boolean;
  trueLabel?: string;
  predictedLabel?: string;
}

/** An evaluation row's prediction (none yet while it is being scored). */
const predictionOfItem = and(
  eq(evaluationPredictions.evaluationId, evaluationItems.evaluationId),
  eq(evaluationPredictions.seq, evaluationItems.seq),
);

/** What every reader of an evaluation's rows takes: the row, its true label and the answer. */
const itemAndPrediction = {
  seq: evaluationItems.seq,
  exampleId: evaluationItems.exampleId,
  trueLabel: evaluationItems.trueLabel,
  predicted: evaluationPredictions.predicted,
  confidence: evaluationPredictions.confidence,
  probabilities: evaluationPredictions.probabilities,
  latencyMs: evaluationPredictions.latencyMs,
  errorCode: evaluationPredictions.errorCode,
};

/** A row as scoring and cascades read it: the answer with its usage, cost and (cascades) stage. */
const fullRow = {
  ...itemAndPrediction,
  inputTokens: evaluationPredictions.inputTokens,
  outputTokens: evaluationPredictions.outputTokens,
  costUsd: evaluationPredictions.costUsd,
  stage: evaluationPredictions.stage,
};

export const evaluationsRepository = (db: Executor) => ({
  async insert(
    row: typeof evaluations.$inferInsert,
    items: { exampleId: string; trueLabel: string }[],
    tx: Executor = db,
  ) {
    const [created] = await tx.insert(evaluations).values(row).returning();
    await this.insertItems(row.id, 0, items, tx);
    return created!;
  },

  /** Items numbered from `fromSeq`, for an evaluation written a page at a time (a cascade's). */
  async insertItems(
    evaluationId: string,
    fromSeq: number,
    items: { exampleId: string; trueLabel: string }[],
    tx: Executor = db,
  ) {
    for (let start = 0; start < items.length; start += 5_000) {
      const slice = items.slice(start, start + 5_000);
      const first = fromSeq + start;
      await tx.execute(sql`
        INSERT INTO ${evaluationItems} (evaluation_id, seq, example_id, true_label)
        SELECT ${evaluationId}::uuid, s, e, l FROM unnest(${sql.param(slice.map((_, i) => first + i))}::int[],
          ${sql.param(slice.map((item) => item.exampleId))}::text[], ${sql.param(slice.map((item) => item.trueLabel))}::text[]) AS t(s, e, l)`);
    }
  },

  /** Many predictions at once (a cascade's, computed from its stages'); an existing one is kept. */
  async insertPredictions(rows: (typeof evaluationPredictions.$inferInsert)[], tx: Executor = db) {
    // 15 columns a row: 1,000 rows stay far below Postgres's 65,535 parameters.
    for (let start = 0; start < rows.length; start += 1_000)
      await tx
        .insert(evaluationPredictions)
        .values(rows.slice(start, start + 1_000))
        .onConflictDoNothing();
  },

  async findById(id: string, tx: Executor = db): Promise<EvaluationRecord | undefined> {
    const [row] = await tx.select().from(evaluations).where(eq(evaluations.id, id)).limit(1);
    return row;
  },

  async listForTask(taskId: string, page: { limit: number; after?: string }, tx: Executor = db) {
    return tx
      .select()
      .from(evaluations)
      .where(and(eq(evaluations.taskId, taskId), page.after ? lt(evaluations.id, page.after) : undefined))
      .orderBy(desc(evaluations.id))
      .limit(page.limit + 1);
  },

  async listActive(tx: Executor = db) {
    return tx
      .select()
      .from(evaluations)
      .where(inArray(evaluations.status, ['queued', 'running']));
  },

  /** Completed evaluations on one dataset version's split, newest first (for the leaderboard). */
  async completedOn(taskId: string, datasetVersionId: string, split: string, tx: Executor = db) {
    return tx
      .select()
      .from(evaluations)
      .where(
        and(
          eq(evaluations.taskId, taskId),
          eq(evaluations.datasetVersionId, datasetVersionId),
          eq(evaluations.split, split),
          eq(evaluations.status, 'completed'),
        ),
      )
      .orderBy(desc(evaluations.id));
  },

  /** The newest evaluation of a model on a version's split, whatever its status. */
  async latestOn(modelId: string, datasetVersionId: string, split: string, tx: Executor = db) {
    const [row] = await tx
      .select()
      .from(evaluations)
      .where(
        and(
          eq(evaluations.modelVersionId, modelId),
          eq(evaluations.datasetVersionId, datasetVersionId),
          eq(evaluations.split, split),
        ),
      )
      .orderBy(desc(evaluations.id))
      .limit(1);
    return row;
  },

  async latestForModels(modelIds: string[], tx: Executor = db) {
    if (modelIds.length === 0) return [];
    return tx
      .select()
      .from(evaluations)
      .where(inArray(evaluations.modelVersionId, modelIds))
      .orderBy(desc(evaluations.id));
  },

  async transition(
    id: string,
    from: EvaluationStatus[],
    to: EvaluationStatus,
    changes: Partial<typeof evaluations.$inferInsert> = {},
    tx: Executor = db,
  ) {
    const [row] = await tx
      .update(evaluations)
      .set({ ...changes, status: to })
      .where(and(eq(evaluations.id, id), inArray(evaluations.status, from)))
      .returning();
    return row;
  },

  async pendingItems(id: string, fromSeq: number, toSeq: number, tx: Executor = db) {
    return tx
      .select()
      .from(evaluationItems)
      .where(
        and(
          eq(evaluationItems.evaluationId, id),
          gte(evaluationItems.seq, fromSeq),
          lt(evaluationItems.seq, toSeq),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(evaluationPredictions)
              .where(
                and(eq(evaluationPredictions.evaluationId, id), eq(evaluationPredictions.seq, evaluationItems.seq)),
              ),
          ),
        ),
      )
      .orderBy(asc(evaluationItems.seq));
  },

  async recordPrediction(row: typeof evaluationPredictions.$inferInsert, tx: Executor = db): Promise<boolean> {
    const inserted = await tx
      .insert(evaluationPredictions)
      .values(row)
      .onConflictDoNothing()
      .returning({ seq: evaluationPredictions.seq });
    return inserted.length > 0;
  },

  async answered(id: string, tx: Executor = db): Promise<number> {
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(evaluationPredictions)
      .where(eq(evaluationPredictions.evaluationId, id));
    return row?.n ?? 0;
  },

  /** Predictions per second over the rate window: the evaluation's progress samples. */
  async recentProgress(id: string, tx: Executor = db): Promise<RecentProgress> {
    return recentProgress(
      tx,
      evaluationPredictions,
      evaluationPredictions.createdAt,
      eq(evaluationPredictions.evaluationId, id),
    );
  },

  /**
   * A page of an evaluation's rows in seq order, with each example's text, filtered by outcome
   * (`correct`: the prediction equals the true label; a failed call is not correct) or labels.
   */
  async predictionsPage(
    id: string,
    page: { limit: number; afterSeq?: number },
    filter: PredictionFilter = {},
    tx: Executor = db,
  ) {
    const conditions: (SQL | undefined)[] = [
      eq(evaluationItems.evaluationId, id),
      page.afterSeq === undefined ? undefined : gt(evaluationItems.seq, page.afterSeq),
      filter.trueLabel === undefined ? undefined : eq(evaluationItems.trueLabel, filter.trueLabel),
      filter.predictedLabel === undefined ? undefined : eq(evaluationPredictions.predicted, filter.predictedLabel),
    ];
    if (filter.correct === true)
      conditions.push(sql`${evaluationPredictions.predicted} = ${evaluationItems.trueLabel}`);
    if (filter.correct === false)
      conditions.push(sql`${evaluationPredictions.predicted} IS DISTINCT FROM ${evaluationItems.trueLabel}`);
    return tx
      .select({
        ...itemAndPrediction,
        text: examples.text,
      })
      .from(evaluationItems)
      .leftJoin(evaluationPredictions, predictionOfItem)
      .innerJoin(examples, eq(examples.id, evaluationItems.exampleId))
      .where(and(...conditions))
      .orderBy(asc(evaluationItems.seq))
      .limit(page.limit + 1);
  },

  /** Every row with its true label and prediction, in order. */
  async rows(id: string, tx: Executor = db) {
    return tx
      .select(fullRow)
      .from(evaluationItems)
      .leftJoin(evaluationPredictions, predictionOfItem)
      .where(eq(evaluationItems.evaluationId, id))
      .orderBy(asc(evaluationItems.seq));
  },

  /** `rows` a page at a time (seq after `afterSeq`), for readers that must not hold a big split twice. */
  async rowsPage(id: string, page: { afterSeq: number; limit: number }, tx: Executor = db) {
    return tx
      .select(fullRow)
      .from(evaluationItems)
      .leftJoin(evaluationPredictions, predictionOfItem)
      .where(and(eq(evaluationItems.evaluationId, id), gt(evaluationItems.seq, page.afterSeq)))
      .orderBy(asc(evaluationItems.seq))
      .limit(page.limit);
  },
});

export type EvaluationsRepository = ReturnType<typeof evaluationsRepository>;
/** One row of an evaluation as `rows` and `rowsPage` give it. */
export type EvaluationRow = Awaited<ReturnType<EvaluationsRepository['rows']>>[number];
