import { and, asc, desc, eq, gt, lt, notInArray, sql } from 'drizzle-orm';
import type { PipelineOrigin } from '../../domain/routing/on-shutdown.js';
import type { Executor } from '../client.js';
import { translatePgError } from '../pg-errors.js';
import { pipelines, pipelineSteps, type PipelineRecord, type PipelineStepRecord } from '../schema/pipelines.js';

/** Something a pipeline step waits on, by the id its step recorded in its outputs. */
export type WaitedOn = { labelRunId: string } | { fineTuneId: string } | { evaluationId: string };

/** The outputs (of any step) that name it: the label step's run, a train candidate, an evaluate state. */
const namedIn = (waitedOn: WaitedOn): Record<string, unknown> =>
  'labelRunId' in waitedOn
    ? { label_run_id: waitedOn.labelRunId }
    : 'fineTuneId' in waitedOn
      ? { candidates: [{ fine_tune_id: waitedOn.fineTuneId }] }
      : { evaluations: [{ evaluation_id: waitedOn.evaluationId }] };

export const pipelinesRepository = (db: Executor) => ({
  async insert(
    pipeline: typeof pipelines.$inferInsert,
    steps: (typeof pipelineSteps.$inferInsert)[],
    tx: Executor = db,
  ): Promise<void> {
    try {
      await tx.insert(pipelines).values(pipeline);
    } catch (error) {
      throw translatePgError(error, { pipelines_origin_key_unique: 'A pipeline for this origin already exists.' });
    }
    await tx.insert(pipelineSteps).values(steps);
  },

  async findByOriginKey(key: string, tx: Executor = db): Promise<PipelineRecord | undefined> {
    const [row] = await tx.select().from(pipelines).where(eq(pipelines.originKey, key)).limit(1);
    return row;
  },

  /** The origin of the pipeline whose train step started this fine-tune, when Tuneline started that pipeline. */
  async originOfFineTune(
    fineTuneId: string,
    tx: Executor = db,
  ): Promise<{ pipelineId: string; origin: PipelineOrigin } | undefined> {
    const named = JSON.stringify({ candidates: [{ fine_tune_id: fineTuneId }] });
    const [row] = await tx
      .select({ pipelineId: pipelines.id, origin: pipelines.origin })
      .from(pipelines)
      .innerJoin(pipelineSteps, eq(pipelineSteps.pipelineId, pipelines.id))
      .where(
        and(
          sql`${pipelines.origin} IS NOT NULL`,
          eq(pipelineSteps.name, 'train'),
          sql`${pipelineSteps.outputs} @> ${named}::jsonb`,
        ),
      )
      .limit(1);
    return row?.origin ? { pipelineId: row.pipelineId, origin: row.origin } : undefined;
  },

  async findById(id: string, tx: Executor = db): Promise<PipelineRecord | undefined> {
    const [row] = await tx.select().from(pipelines).where(eq(pipelines.id, id)).limit(1);
    return row;
  },

  async steps(id: string, tx: Executor = db): Promise<PipelineStepRecord[]> {
    return tx.select().from(pipelineSteps).where(eq(pipelineSteps.pipelineId, id)).orderBy(asc(pipelineSteps.position));
  },

  async list(taskId: string, page: { limit: number; after?: string }, tx: Executor = db): Promise<PipelineRecord[]> {
    return tx
      .select()
      .from(pipelines)
      .where(and(eq(pipelines.taskId, taskId), page.after ? lt(pipelines.id, page.after) : undefined))
      .orderBy(desc(pipelines.id))
      .limit(page.limit + 1);
  },

  async listRunning(tx: Executor = db): Promise<PipelineRecord[]> {
    return tx.select().from(pipelines).where(eq(pipelines.status, 'running'));
  },

  async update(
    id: string,
    changes: Partial<typeof pipelines.$inferInsert>,
    tx: Executor = db,
  ): Promise<PipelineRecord | undefined> {
    const [row] = await tx.update(pipelines).set(changes).where(eq(pipelines.id, id)).returning();
    return row;
  },

  async updateStep(
    id: string,
    name: string,
    changes: Partial<typeof pipelineSteps.$inferInsert>,
    tx: Executor = db,
  ): Promise<PipelineStepRecord | undefined> {
    const [row] = await tx
      .update(pipelineSteps)
      .set(changes)
      .where(and(eq(pipelineSteps.pipelineId, id), eq(pipelineSteps.name, name)))
      .returning();
    return row;
  },

  /**
   * The running steps of running pipelines whose steps name this in their outputs. A fine-tune is
   * named by the train step, yet its automatic evaluation is what the evaluate step waits on: the
   * step to wake is the pipeline's running one, whichever step named it.
   */
  async runningStepsWaitingOn(
    waitedOn: WaitedOn,
    tx: Executor = db,
  ): Promise<{ pipelineId: string; attempt: number; name: string }[]> {
    const named = JSON.stringify(namedIn(waitedOn));
    return tx
      .select({ pipelineId: pipelineSteps.pipelineId, attempt: pipelines.attempt, name: pipelineSteps.name })
      .from(pipelineSteps)
      .innerJoin(pipelines, eq(pipelines.id, pipelineSteps.pipelineId))
      .where(
        and(
          eq(pipelines.status, 'running'),
          eq(pipelineSteps.status, 'running'),
          sql`EXISTS (SELECT 1 FROM ${pipelineSteps} AS naming WHERE naming.pipeline_id = ${pipelines.id} AND naming.outputs @> ${named}::jsonb)`,
        ),
      );
  },

  /** Marks every step after `position` that has not finished as blocked, with the reason. */
  async blockAfter(id: string, position: number, reason: string, tx: Executor = db): Promise<void> {
    await tx
      .update(pipelineSteps)
      .set({ status: 'blocked', error: reason })
      .where(
        and(
          eq(pipelineSteps.pipelineId, id),
          gt(pipelineSteps.position, position),
          notInArray(pipelineSteps.status, ['completed', 'skipped']),
        ),
      );
  },
});

export type PipelinesRepository = ReturnType<typeof pipelinesRepository>;
