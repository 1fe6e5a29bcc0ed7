import type { FastifyRequest } from 'fastify';
import { isUuid } from '../domain/ids.js';
import type { OwnedResource } from '../services/task-owners.js';

/** A resource a request names: a task (slug or id) or something that belongs to one. */
export interface NamedResource {
  kind: 'task' | OwnedResource;
  id: string;
}

/** Finds the resources a request names; routes list them in `config.tasks` for keys limited to tasks. */
export type TaskBinding = (request: FastifyRequest) => NamedResource[];

/**
 * The strings at a dotted path (`few_shot_from.dataset_version_id`; `[]` steps into every item of
 * an array: `candidates[].parent_model_version_id`). Anything that is not a string is left to validation.
 */
function stringsAt(value: unknown, path: string[]): string[] {
  if (path.length === 0) return typeof value === 'string' ? [value] : [];
  if (!value || typeof value !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  const inArray = head.endsWith('[]');
  const next = (value as Record<string, unknown>)[inArray ? head.slice(0, -2) : head];
  if (inArray) return Array.isArray(next) ? next.flatMap((item) => stringsAt(item, rest)) : [];
  return stringsAt(next, rest);
}

const bind =
  (part: 'params' | 'body' | 'query', path: string, kind: NamedResource['kind']): TaskBinding =>
  (request) =>
    stringsAt(request[part], path.split('.'))
      // An id that is not a UUID is a 400 from validation, not a lookup.
      .filter((id) => kind === 'task' || isUuid(id))
      .map((id) => ({ kind, id }));

export const inPath = (param: string, kind: NamedResource['kind']) => bind('params', param, kind);
export const inBody = (path: string, kind: NamedResource['kind']) => bind('body', path, kind);
export const inQuery = (name: string, kind: NamedResource['kind']) => bind('query', name, kind);

/** The `{task}` path parameter, which most task routes have. */
export const taskInPath = inPath('task', 'task');

/** For routes that name no task's resources (or filter what they list to the key's tasks). */
export const NO_TASK: readonly TaskBinding[] = [];
