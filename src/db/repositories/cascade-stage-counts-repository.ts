import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';

export interface CascadeServedWindow {
  taskId: string;
  since: Date;
  until: Date;
  /** Only this cascade's predictions; every cascade's of the task otherwise. */
  cascadeId?: string;
}

/** Per cascade over a window of the prediction log. */
export interface CascadeTotalsRow {
  cascade_id: string;
  predictions: number;
  abstained: number;
}

/** Per cascade and stage over a window of the prediction log. */
export interface CascadeStageRow {
  cascade_id: string;
  stage: number;
  /** Predictions that called this stage: it answered, or passed them on (escalated). */
  reached: number;
  /** Predictions it answered (not abstentions). */
  answered: number;
  /** Of its answers, those with feedback, and how many of those it got right. */
  feedback: number;
  correct: number;
}

const count = (value: unknown) => Number(value ?? 0);

/**
 * How a cascade's stages were reached: as served (the prediction log's stage and escalated
 * columns) and as evaluated (evaluation_predictions.stage). Counted in SQL over a bounded window,
 * never by loading rows.
 */
export const cascadeStageCountsRepository = (db: Executor) => ({
  async servedTotals(window: CascadeServedWindow, tx: Executor = db): Promise<CascadeTotalsRow[]> {
    const result = await tx.execute(sql`
      SELECT cascade_id, count(*)::int AS predictions, count(*) FILTER (WHERE abstained)::int AS abstained
      FROM predictions
      WHERE task_id = ${window.taskId} AND created_at >= ${window.since.toISOString()}
        AND created_at < ${window.until.toISOString()} AND cascade_id IS NOT NULL
        ${window.cascadeId ? sql`AND cascade_id = ${window.cascadeId}` : sql``}
      GROUP BY cascade_id
      ORDER BY cascade_id`);
    return (result.rows as Record<string, unknown>[]).map((row) => ({
      cascade_id: row['cascade_id'] as string,
      predictions: count(row['predictions']),
      abstained: count(row['abstained']),
    }));
  },

  async servedStages(window: CascadeServedWindow, tx: Executor = db): Promise<CascadeStageRow[]> {
    // Each prediction reached the stages it passed over (escalated) and the one that answered;
    // UNION (not UNION ALL) so a stage named in both is counted once. An abstention lists the
    // last stage among the escalated, so it is reached but not answered there.
    const result = await tx.execute(sql`
      SELECT p.cascade_id, s.stage,
        count(*)::int AS reached,
        count(*) FILTER (WHERE s.stage = p.stage AND NOT p.abstained)::int AS answered,
        count(f.prediction_id) FILTER (WHERE s.stage = p.stage AND NOT p.abstained AND p.label IS NOT NULL)::int AS feedback,
        count(*) FILTER (WHERE s.stage = p.stage AND NOT p.abstained AND f.label = p.label)::int AS correct
      FROM predictions p
      CROSS JOIN LATERAL (
        SELECT (e->>'stage')::int AS stage
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.escalated) = 'array' THEN p.escalated ELSE '[]'::jsonb END) e
        WHERE jsonb_typeof(e->'stage') = 'number'
        UNION
        SELECT p.stage::int WHERE p.stage IS NOT NULL
      ) s
      LEFT JOIN prediction_feedback f ON f.prediction_id = p.id
      WHERE p.task_id = ${window.taskId} AND p.created_at >= ${window.since.toISOString()}
        AND p.created_at < ${window.until.toISOString()} AND p.cascade_id IS NOT NULL
        ${window.cascadeId ? sql`AND p.cascade_id = ${window.cascadeId}` : sql``}
      GROUP BY p.cascade_id, s.stage
      ORDER BY p.cascade_id, s.stage`);
    return (result.rows as Record<string, unknown>[]).map((row) => ({
      cascade_id: row['cascade_id'] as string,
      stage: Number(row['stage']),
      reached: count(row['reached']),
      answered: count(row['answered']),
      feedback: count(row['feedback']),
      correct: count(row['correct']),
    }));
  },

  /** Rows of an evaluation answered per stage; `abstained` counts rows with no answering stage. */
  async evaluatedStages(
    evaluationId: string,
    tx: Executor = db,
  ): Promise<{ answered: Map<number, number>; abstained: number; rows: number }> {
    const result = await tx.execute(sql`
      SELECT stage, count(*)::int AS rows
      FROM evaluation_predictions
      WHERE evaluation_id = ${evaluationId}
      GROUP BY stage`);
    const answered = new Map<number, number>();
    let abstained = 0;
    let rows = 0;
    for (const row of result.rows as Record<string, unknown>[]) {
      const n = count(row['rows']);
      rows += n;
      if (row['stage'] === null) abstained += n;
      else answered.set(Number(row['stage']), n);
    }
    return { answered, abstained, rows };
  },
});

export type CascadeStageCountsRepository = ReturnType<typeof cascadeStageCountsRepository>;
