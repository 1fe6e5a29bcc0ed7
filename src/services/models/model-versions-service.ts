import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { isTimeOrderedId } from '../../domain/ids.js';
import { afterCursor, toPage } from '../../domain/pagination.js';
import { errors } from '../../errors.js';
import type { TasksService } from '../tasks-service.js';

export const modelVersionsService = (deps: { modelVersions: ModelVersionsRepository; tasks: TasksService }) => {
  const get = async (id: string): Promise<ModelVersionRecord> => {
    const found = isTimeOrderedId(id) ? await deps.modelVersions.findById(id) : undefined;
    if (!found) throw errors.notFound('model version', id);
    return found;
  };
  return {
    get,
    async list(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      return toPage(await deps.modelVersions.list(task.id, { limit: page.limit, after: afterCursor(page.cursor) }), page.limit);
    },
  };
};

export type ModelVersionsService = ReturnType<typeof modelVersionsService>;
