import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { TaskRoutingRecord } from '../../db/schema/routing.js';
import type { CascadeDefinition } from '../../domain/routing/cascade-definition.js';
import { errors, type FieldProblem } from '../../errors.js';
import type { CascadeVersions } from '../model-versions/cascade-versions.js';
import type { TasksService } from '../tasks-service.js';
import type { PolicyChanges, RoutingService } from './routing-service.js';

export type RoutingMode = 'champion' | 'cascade';

export interface ModeChanges {
  mode?: RoutingMode;
  cascade?: { model_version_id: string; min_confidence?: number | null }[];
  abstain_below?: number | null;
}

/** A task's routing with its mode: the cascade it serves when the champion is one. */
export interface RoutingWithMode {
  routing: TaskRoutingRecord;
  mode: RoutingMode;
  cascade: CascadeDefinition | null;
}

/** Body fields that only make sense with `mode: "cascade"`, and what is wrong with them otherwise. */
function modeProblems(changes: ModeChanges): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const cascadeMode = changes.mode === 'cascade';
  if (changes.cascade !== undefined && !cascadeMode)
    problems.push({ field: 'body.cascade', message: 'only with "mode": "cascade"' });
  if (changes.abstain_below !== undefined && !cascadeMode)
    problems.push({ field: 'body.abstain_below', message: 'only with "mode": "cascade"' });
  if (cascadeMode && changes.cascade === undefined)
    problems.push({ field: 'body.cascade', message: 'is required with "mode": "cascade"' });
  return problems;
}

/**
 * Routing modes on top of champion routing: a cascade is a model version (one per definition), so
 * "mode cascade" is promoting that version, audited and undone by rollback like any promotion.
 */
export function routingModeService(deps: {
  routing: Pick<RoutingService, 'get' | 'promote' | 'updatePolicy'>;
  cascades: Pick<CascadeVersions, 'findOrCreate'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  routingRepo: Pick<RoutingRepository, 'lastPromotion'>;
  tasks: Pick<TasksService, 'get'>;
}) {
  const withMode = async (routing: TaskRoutingRecord): Promise<RoutingWithMode> => {
    const champion = routing.championId ? await deps.modelVersionsRepo.findById(routing.championId) : undefined;
    const cascade = champion?.kind === 'cascade' ? champion.cascade : null;
    return { routing, mode: cascade ? 'cascade' : 'champion', cascade };
  };

  /** The single model to serve when a cascade stops: the champion it replaced, else its last stage. */
  const replacedBy = async (taskId: string, cascadeId: string, definition: CascadeDefinition): Promise<string> => {
    const promotion = await deps.routingRepo.lastPromotion(taskId);
    if (promotion?.toModelId === cascadeId && promotion.fromModelId) {
      const previous = await deps.modelVersionsRepo.findById(promotion.fromModelId);
      if (previous && previous.status !== 'retired' && previous.kind !== 'cascade') return previous.id;
    }
    return definition.stages[definition.stages.length - 1]!.modelVersionId;
  };

  return {
    withMode,

    async get(taskRef: string): Promise<RoutingWithMode> {
      return withMode(await deps.routing.get(taskRef));
    },

    /** PATCH routing: the policy fields as before, then the mode (checked first, so a bad one changes nothing). */
    async update(taskRef: string, changes: PolicyChanges & ModeChanges, actor: string): Promise<RoutingWithMode> {
      const problems = modeProblems(changes);
      if (problems.length > 0) throw errors.validation('Inconsistent routing mode.', problems);
      const { mode, cascade: stages, abstain_below: abstainBelow, ...policy } = changes;
      const task = await deps.tasks.get(taskRef);
      const cascade =
        mode === 'cascade'
          ? await deps.cascades.findOrCreate(
              task,
              {
                stages: stages!.map((stage) => ({
                  modelVersionId: stage.model_version_id,
                  minConfidence: stage.min_confidence ?? null,
                })),
                abstainBelow: abstainBelow ?? null,
              },
              { stages: 'body.cascade', abstainBelow: 'body.abstain_below' },
            )
          : null;
      let routing =
        Object.keys(policy).length > 0
          ? await deps.routing.updatePolicy(task.id, policy, actor)
          : await deps.routing.get(task.id);
      if (cascade) {
        routing = await deps.routing.promote(task.id, cascade.id, 'routing set to a cascade', actor, {
          mode: 'cascade',
          stages: cascade.cascade!.stages.map((stage) => ({
            model_version_id: stage.modelVersionId,
            min_confidence: stage.minConfidence,
          })),
          abstain_below: cascade.cascade!.abstainBelow,
        });
      } else if (mode === 'champion') {
        const current = await withMode(routing);
        if (current.cascade) {
          const single = await replacedBy(task.id, routing.championId!, current.cascade);
          routing = await deps.routing.promote(task.id, single, 'routing set back to a single champion', actor);
        }
      }
      return withMode(routing);
    },
  };
}

export type RoutingModeService = ReturnType<typeof routingModeService>;
