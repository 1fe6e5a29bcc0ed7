import { isUuid } from './ids.js';

/** The tasks a key is limited to, by id and by slug (URLs name a task either way; slugs never change). */
export interface TaskLimit {
  ids: ReadonlySet<string>;
  slugs: ReadonlySet<string>;
}

export const taskLimitOf = (tasks: readonly { id: string; slug: string }[]): TaskLimit => ({
  ids: new Set(tasks.map((task) => task.id)),
  slugs: new Set(tasks.map((task) => task.slug)),
});

/** Whether a task reference from a URL (slug or id) names one of the limit's tasks; no limit allows all. */
export const allowsTaskRef = (limit: TaskLimit | undefined, ref: string): boolean =>
  !limit || (isUuid(ref) ? limit.ids.has(ref.toLowerCase()) : limit.slugs.has(ref));

export const allowsTaskId = (limit: TaskLimit | undefined, taskId: string): boolean => !limit || limit.ids.has(taskId);
