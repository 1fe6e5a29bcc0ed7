import { and, asc, desc, eq, gt, lt, notInArray } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { pipelines, pipelineSteps, type PipelineRecord, type PipelineStepRecord } from '../schema/pipelines.js';

export const pipelinesRepository = (db: Executor) => ({
  async insert(pipeline: typeof pipelines.$inferInsert, steps: (typeof pipelineSteps.$inferInsert)[], tx: Executor = db): Promise<void> {
    await tx.insert(pipelines).values(pipeline);
    await tx.insert(pipelineSteps).values(steps);
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

  async update(id: string, changes: Partial<typeof pipelines.$inferInsert>, tx: Executor = db): Promise<PipelineRecord | undefined> {
    const [row] = await tx.update(pipelines).set(changes).where(eq(pipelines.id, id)).returning();
    return row;
  },

  async updateStep(id: string, name: string, changes: Partial<typeof pipelineSteps.$inferInsert>, tx: Executor = db): Promise<PipelineStepRecord | undefined> {
    const [row] = await tx
      .update(pipelineSteps)
      .set(changes)
      .where(and(eq(pipelineSteps.pipelineId, id), eq(pipelineSteps.name, name)))
      .returning();
    return row;
  },

  /** Marks every step after `position` that has not finished as blocked, with the reason. */
  async blockAfter(id: string, position: number, reason: string, tx: Executor = db): Promise<void> {
    await tx
      .update(pipelineSteps)
      .set({ status: 'blocked', error: reason })
      .where(and(eq(pipelineSteps.pipelineId, id), gt(pipelineSteps.position, position), notInArray(pipelineSteps.status, ['completed', 'skipped'])));
  },
});

export type PipelinesRepository = ReturnType<typeof pipelinesRepository>;
