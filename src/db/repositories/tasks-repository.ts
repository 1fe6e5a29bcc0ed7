import { and, desc, eq, inArray, isNull, lt, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { withPgErrors } from '../pg-errors.js';
import { tasks, type NewTaskRow, type TaskRow } from '../schema/tasks.js';

const constraintMessages = { tasks_slug_unique: 'A task with this slug already exists.' };

export interface TaskListFilter {
  limit: number;
  after?: string;
  includeArchived: boolean;
  onlyIds?: string[];
}

export type TaskChanges = Partial<
  Pick<TaskRow, 'description' | 'instructions' | 'labels' | 'goodThreshold' | 'archivedAt'>
>;

export const tasksRepository = (db: Executor) => ({
  async insert(row: NewTaskRow, tx: Executor = db): Promise<TaskRow> {
    const [created] = await withPgErrors(() => tx.insert(tasks).values(row).returning(), constraintMessages);
    return created!;
  },

  async findByIdOrSlug(ref: { id?: string; slug?: string }, tx: Executor = db): Promise<TaskRow | undefined> {
    const where = ref.id ? eq(tasks.id, ref.id) : eq(tasks.slug, ref.slug ?? '');
    const [row] = await tx.select().from(tasks).where(where).limit(1);
    return row;
  },

  /** Newest first; fetches one extra row so the caller knows whether another page exists. */
  async list(filter: TaskListFilter, tx: Executor = db): Promise<TaskRow[]> {
    const conditions: SQL[] = [];
    if (filter.after) conditions.push(lt(tasks.id, filter.after));
    if (!filter.includeArchived) conditions.push(isNull(tasks.archivedAt));
    if (filter.onlyIds) conditions.push(inArray(tasks.id, filter.onlyIds));
    return tx
      .select()
      .from(tasks)
      .where(and(...conditions))
      .orderBy(desc(tasks.id))
      .limit(filter.limit + 1);
  },

  async update(id: string, changes: TaskChanges, tx: Executor = db): Promise<TaskRow | undefined> {
    const [row] = await withPgErrors(
      () =>
        tx
          .update(tasks)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(tasks.id, id))
          .returning(),
      constraintMessages,
    );
    return row;
  },
});

export type TasksRepository = ReturnType<typeof tasksRepository>;
