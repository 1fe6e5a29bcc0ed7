import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import {
  CASCADE_MODEL,
  CASCADE_PROVIDER,
  type CascadeDefinition,
  cascadeDefinitionProblems,
  sameCascade,
} from '../../domain/routing/cascade-definition.js';
import { newId } from '../../domain/ids.js';
import { errors, type FieldProblem } from '../../errors.js';

/**
 * Cascades as model versions: one per distinct definition of a task, so setting the same cascade
 * twice (routing, a plan applied again) serves, evaluates and audits one model, not two.
 */
export function cascadeVersions(deps: {
  db: Database;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById' | 'insert' | 'cascadesOf'>;
}) {
  /** The stage models, checked: each a model of the task that can serve, and not itself a cascade. */
  const stageModels = async (
    taskId: string,
    definition: CascadeDefinition,
    stagesField: string,
  ): Promise<ModelVersionRecord[]> => {
    const problems: FieldProblem[] = [];
    const models: ModelVersionRecord[] = [];
    for (const [i, stage] of definition.stages.entries()) {
      const field = `${stagesField}[${i}].model_version_id`;
      const model = await deps.modelVersionsRepo.findById(stage.modelVersionId);
      if (!model || model.taskId !== taskId) problems.push({ field, message: 'no such model version of this task' });
      else if (model.status === 'retired') problems.push({ field, message: 'retired: it cannot serve' });
      else if (model.kind === 'cascade') problems.push({ field, message: 'a cascade cannot be a stage of a cascade' });
      else models.push(model);
    }
    if (problems.length > 0) throw errors.validation('A cascade stage is not usable.', problems);
    return models;
  };

  return {
    /**
     * The task's cascade with this definition: the existing one, or a new model version. Checked
     * first, with field paths under `fields`; concurrent calls for one task are serialised so the
     * same definition never makes two versions.
     */
    async findOrCreate(
      task: { id: string; slug: string },
      definition: CascadeDefinition,
      fields: { stages: string; abstainBelow: string },
    ): Promise<ModelVersionRecord> {
      const problems = cascadeDefinitionProblems(definition, fields);
      if (problems.length > 0) throw errors.validation('The cascade is invalid.', problems);
      const models = await stageModels(task.id, definition, fields.stages);
      return deps.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`cascade:${task.id}`}))`);
        const existing = (await deps.modelVersionsRepo.cascadesOf(task.id, tx)).find(
          (model) => model.cascade && sameCascade(model.cascade, definition),
        );
        if (existing) return existing;
        const last = models[models.length - 1]!;
        return deps.modelVersionsRepo.insert(
          {
            id: newId(),
            taskId: task.id,
            name: `${task.slug}-cascade(${models.map((model) => model.name).join(' → ')})`.slice(0, 200),
            kind: 'cascade',
            provider: CASCADE_PROVIDER,
            model: CASCADE_MODEL,
            // The labels and instructions it answers with are its last stage's.
            prompt: last.prompt,
            promptFormat: last.promptFormat,
            cascade: definition,
          },
          tx,
        );
      });
    },
  };
}

export type CascadeVersions = ReturnType<typeof cascadeVersions>;
