import { and, asc, desc, eq, gte, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import {
  predictionFeedback,
  predictions,
  type PredictionFeedbackRecord,
  type PredictionRecord,
  type ServedBy,
} from '../schema/predictions.js';

export interface PredictionFilter {
  servedBy?: ServedBy | 'failed';
  hasFeedback?: boolean;
  /** A cascade withheld the label (the review queue). */
  abstained?: boolean;
  since?: Date;
  until?: Date;
}

/** One row of the monitoring roll-up: per window, per model version, per bucket, or per both. */
export interface MonitoringRow {
  bucket: Date | null;
  model_version_id: string | null;
  by_model: boolean;
  by_bucket: boolean;
  predictions: number;
  champion: number;
  fallback: number;
  failed: number;
  feedback: number;
  correct: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export const predictionsRepository = (db: Executor) => ({
  async findById(
    id: string,
    tx: Executor = db,
  ): Promise<{ prediction: PredictionRecord; feedback: PredictionFeedbackRecord | null } | undefined> {
    const [row] = await tx
      .select({ prediction: predictions, feedback: predictionFeedback })
      .from(predictions)
      .leftJoin(predictionFeedback, eq(predictionFeedback.predictionId, predictions.id))
      .where(eq(predictions.id, id))
      .limit(1);
    return row;
  },

  /** The latest feedback replaces earlier feedback on the same prediction. */
  async upsertFeedback(
    row: typeof predictionFeedback.$inferInsert,
    tx: Executor = db,
  ): Promise<PredictionFeedbackRecord> {
    const [saved] = await tx
      .insert(predictionFeedback)
      .values(row)
      .onConflictDoUpdate({
        target: predictionFeedback.predictionId,
        set: { label: row.label, comment: row.comment ?? null, actor: row.actor, updatedAt: new Date() },
      })
      .returning();
    return saved!;
  },

  async list(taskId: string, filter: PredictionFilter, page: { limit: number; after?: string }, tx: Executor = db) {
    const servedBy =
      filter.servedBy === 'failed'
        ? isNull(predictions.servedBy)
        : filter.servedBy
          ? eq(predictions.servedBy, filter.servedBy)
          : undefined;
    const feedback =
      filter.hasFeedback === undefined
        ? undefined
        : filter.hasFeedback
          ? isNotNull(predictionFeedback.predictionId)
          : isNull(predictionFeedback.predictionId);
    return tx
      .select({ prediction: predictions, feedback: predictionFeedback })
      .from(predictions)
      .leftJoin(predictionFeedback, eq(predictionFeedback.predictionId, predictions.id))
      .where(
        and(
          eq(predictions.taskId, taskId),
          servedBy,
          feedback,
          filter.abstained === undefined ? undefined : eq(predictions.abstained, filter.abstained),
          filter.since ? gte(predictions.createdAt, filter.since) : undefined,
          filter.until ? lt(predictions.createdAt, filter.until) : undefined,
          page.after ? lt(predictions.id, page.after) : undefined,
        ),
      )
      .orderBy(desc(predictions.id))
      .limit(page.limit + 1);
  },

  /**
   * Counts, live accuracy and latency percentiles over [since, until), in one pass: for the whole
   * window, per model version, per time bucket, and per model version per bucket.
   */
  async monitoring(
    taskId: string,
    since: Date,
    until: Date,
    bucketSeconds: number,
    tx: Executor = db,
  ): Promise<MonitoringRow[]> {
    // The bucket is computed once, in the subquery, so SELECT and GROUP BY name the same column
    // and the width travels as a bound parameter (never spliced into the SQL text).
    const result = await tx.execute(sql`
      SELECT p.bucket, p.model_version_id,
        grouping(p.model_version_id) = 0 AS by_model, grouping(p.bucket) = 0 AS by_bucket,
        count(*)::int AS predictions,
        count(*) FILTER (WHERE p.served_by = 'champion')::int AS champion,
        count(*) FILTER (WHERE p.served_by = 'fallback')::int AS fallback,
        count(*) FILTER (WHERE p.served_by IS NULL)::int AS failed,
        count(f.prediction_id) FILTER (WHERE p.label IS NOT NULL)::int AS feedback,
        count(*) FILTER (WHERE f.label = p.label)::int AS correct,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY p.latency_ms) FILTER (WHERE p.served_by IS NOT NULL) AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY p.latency_ms) FILTER (WHERE p.served_by IS NOT NULL) AS p95,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY p.latency_ms) FILTER (WHERE p.served_by IS NOT NULL) AS p99
      FROM (
        SELECT id, model_version_id, served_by, label, latency_ms,
          to_timestamp(floor(extract(epoch from created_at) / ${Math.trunc(bucketSeconds)}::int) * ${Math.trunc(bucketSeconds)}::int) AS bucket
        FROM predictions
        WHERE task_id = ${taskId} AND created_at >= ${since.toISOString()} AND created_at < ${until.toISOString()}
      ) p
      LEFT JOIN prediction_feedback f ON f.prediction_id = p.id
      GROUP BY GROUPING SETS ((), (p.model_version_id), (p.bucket), (p.bucket, p.model_version_id))
      ORDER BY 1 NULLS FIRST, 2 NULLS FIRST`);
    return (result.rows as Record<string, unknown>[]).map((row) => ({
      bucket: row['bucket'] ? new Date(row['bucket'] as string) : null,
      model_version_id: (row['model_version_id'] as string | null) ?? null,
      by_model: Boolean(row['by_model']),
      by_bucket: Boolean(row['by_bucket']),
      predictions: Number(row['predictions']),
      champion: Number(row['champion']),
      fallback: Number(row['fallback']),
      failed: Number(row['failed']),
      feedback: Number(row['feedback']),
      correct: Number(row['correct']),
      p50: row['p50'] === null ? null : Number(row['p50']),
      p95: row['p95'] === null ? null : Number(row['p95']),
      p99: row['p99'] === null ? null : Number(row['p99']),
    }));
  },

  /** How often each label was predicted in the window. */
  async labelCounts(taskId: string, since: Date, until: Date, tx: Executor = db): Promise<Record<string, number>> {
    const rows = await tx
      .select({ label: predictions.label, count: sql<number>`count(*)::int` })
      .from(predictions)
      .where(
        and(
          eq(predictions.taskId, taskId),
          isNotNull(predictions.label),
          gte(predictions.createdAt, since),
          lt(predictions.createdAt, until),
        ),
      )
      .groupBy(predictions.label);
    return Object.fromEntries(rows.map((row) => [row.label!, Number(row.count)]));
  },

  /** Feedback on the task's predictions, oldest first, with each prediction's input. */
  async feedbackInputs(taskId: string, window: { since?: Date; until?: Date }, tx: Executor = db) {
    return tx
      .select({ inputHash: predictions.inputHash, text: predictions.inputText, label: predictionFeedback.label })
      .from(predictionFeedback)
      .innerJoin(predictions, eq(predictions.id, predictionFeedback.predictionId))
      .where(
        and(
          eq(predictionFeedback.taskId, taskId),
          window.since ? gte(predictionFeedback.updatedAt, window.since) : undefined,
          window.until ? lt(predictionFeedback.updatedAt, window.until) : undefined,
        ),
      )
      .orderBy(asc(predictionFeedback.updatedAt), asc(predictionFeedback.predictionId));
  },
});

export type PredictionsRepository = ReturnType<typeof predictionsRepository>;
