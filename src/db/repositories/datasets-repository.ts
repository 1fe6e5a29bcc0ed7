import { and, desc, eq, lt } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { withPgErrors } from '../pg-errors.js';
import { datasets, type DatasetRecord } from '../schema/datasets.js';

const constraintMessages = { datasets_task_name_unique: 'This task already has a dataset with that name.' };

export const datasetsRepository = (db: Executor) => ({
  async insert(row: typeof datasets.$inferInsert, tx: Executor = db): Promise<DatasetRecord> {
    const [created] = await withPgErrors(() => tx.insert(datasets).values(row).returning(), constraintMessages);
    return created!;
  },

  async findById(id: string, tx: Executor = db): Promise<DatasetRecord | undefined> {
    const [row] = await tx.select().from(datasets).where(eq(datasets.id, id)).limit(1);
    return row;
  },

  async list(taskId: string, page: { limit: number; after?: string }, tx: Executor = db): Promise<DatasetRecord[]> {
    return tx
      .select()
      .from(datasets)
      .where(and(eq(datasets.taskId, taskId), page.after ? lt(datasets.id, page.after) : undefined))
      .orderBy(desc(datasets.id))
      .limit(page.limit + 1);
  },
});

export type DatasetsRepository = ReturnType<typeof datasetsRepository>;
