import type { ChangeNotices } from '../lib/change-notices.js';
import type { TaskRow } from '../db/schema/tasks.js';
import type { TaskChanges, TasksRepository } from '../db/repositories/tasks-repository.js';
import { errors } from '../errors.js';
import { isUuid, newId } from '../domain/ids.js';
import { afterCursor, toPage, type Page } from '../domain/pagination.js';
import { goodThresholdProblems, labelProblems, slugProblems, type LabelDefinition } from '../domain/task-definition.js';

export interface CreateTaskInput {
  slug: string;
  description?: string | null;
  instructions: string;
  labels: LabelDefinition[];
  goodThreshold?: string | null;
}

export interface UpdateTaskInput {
  description?: string | null;
  instructions?: string;
  labels?: LabelDefinition[];
  /** null clears it. */
  goodThreshold?: string | null;
}

export interface ListTasksInput {
  limit: number;
  cursor?: string;
  includeArchived: boolean;
  /** Only these tasks (a key limited to them is listing). */
  onlyIds?: string[];
}

export const tasksService = ({
  tasksRepo,
  notices,
}: {
  tasksRepo: Pick<TasksRepository, 'findByIdOrSlug' | 'insert' | 'list' | 'update'>;
  notices: Pick<ChangeNotices, 'publish'>;
}) => {
  /** Classify holds tasks in memory on every API instance: tell them when one changes. */
  const changed = async (task: TaskRow): Promise<TaskRow> => {
    await notices.publish('routing', task.id);
    return task;
  };

  /** `ref` is what appears in URLs: a task's slug or its id. */
  const get = async (ref: string): Promise<TaskRow> => {
    const task = await tasksRepo.findByIdOrSlug(isUuid(ref) ? { id: ref } : { slug: ref });
    if (!task) throw errors.notFound('task', ref);
    return task;
  };

  const getActive = async (ref: string): Promise<TaskRow> => {
    const task = await get(ref);
    if (task.archivedAt) throw errors.archived('task', ref);
    return task;
  };

  return {
    get,

    async create(input: CreateTaskInput): Promise<TaskRow> {
      const problems = [...slugProblems(input.slug), ...labelProblems(input.labels)];
      if (problems.length === 0 && input.goodThreshold != null)
        problems.push(...goodThresholdProblems(input.labels, input.goodThreshold, 'body.good_threshold'));
      if (problems.length > 0) throw errors.validation('The task definition is invalid.', problems);
      return tasksRepo.insert({
        id: newId(),
        slug: input.slug,
        description: input.description ?? null,
        instructions: input.instructions,
        labels: input.labels.map(normaliseLabel),
        goodThreshold: input.goodThreshold ?? null,
      });
    },

    async list(input: ListTasksInput): Promise<Page<TaskRow>> {
      const after = afterCursor(input.cursor);
      const rows = await tasksRepo.list({
        limit: input.limit,
        after,
        includeArchived: input.includeArchived,
        onlyIds: input.onlyIds,
      });
      return toPage(rows, input.limit);
    },

    async update(ref: string, input: UpdateTaskInput): Promise<TaskRow> {
      const task = await getActive(ref);
      if (input.labels) {
        const problems = labelProblems(input.labels);
        if (problems.length > 0) throw errors.validation('The task definition is invalid.', problems);
      }
      // New labels must still fit the stored boundary, unless the same change replaces or clears it.
      const threshold = input.goodThreshold === undefined ? task.goodThreshold : input.goodThreshold;
      if (threshold !== null && (input.labels !== undefined || input.goodThreshold !== undefined)) {
        const problems = goodThresholdProblems(input.labels ?? task.labels, threshold, 'body.good_threshold');
        if (problems.length > 0) throw errors.validation('The task definition is invalid.', problems);
      }
      const changes: TaskChanges = {};
      if (input.description !== undefined) changes.description = input.description;
      if (input.instructions !== undefined) changes.instructions = input.instructions;
      if (input.labels !== undefined) changes.labels = input.labels.map(normaliseLabel);
      if (input.goodThreshold !== undefined) changes.goodThreshold = input.goodThreshold;
      if (Object.keys(changes).length === 0) return task;
      return changed((await tasksRepo.update(task.id, changes)) ?? task);
    },

    async archive(ref: string): Promise<TaskRow> {
      const task = await get(ref);
      if (task.archivedAt) return task;
      return changed((await tasksRepo.update(task.id, { archivedAt: new Date() })) ?? task);
    },

    async restore(ref: string): Promise<TaskRow> {
      const task = await get(ref);
      if (!task.archivedAt) return task;
      return changed((await tasksRepo.update(task.id, { archivedAt: null })) ?? task);
    },
  };
};

export type TasksService = ReturnType<typeof tasksService>;

// Stored labels carry only the keys that were given, so equal definitions compare equal.
function normaliseLabel(label: LabelDefinition): LabelDefinition {
  return {
    name: label.name,
    ...(label.description !== undefined ? { description: label.description } : {}),
    ...(label.order !== undefined ? { order: label.order } : {}),
  };
}
