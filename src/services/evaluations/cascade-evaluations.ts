import type { Database } from '../../db/client.js';
import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { EvaluationRecord } from '../../db/schema/evaluations.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import { newId } from '../../domain/ids.js';
import { composeCascadeRow } from '../../domain/routing/cascade-composition.js';
import { errors } from '../../errors.js';
import type { EvaluationFinalizer } from './evaluation-finalizer.js';
import type { StageEvaluations } from './stage-evaluations.js';

/**
 * A cascade's evaluation, computed from its stages' latest completed evaluations on the same
 * dataset version and split: no model is called, so it is written whole in one transaction (never
 * half) and finished at once by the finalizer every evaluation goes through (metrics, promotion
 * policy, a waiting pipeline). Done in the request rather than on the queue: there is nothing to
 * wait for, and a stage without an evaluation is a 4xx now instead of a failed evaluation later.
 */
export const cascadeEvaluations = (deps: {
  db: Database;
  evaluationsRepo: Pick<EvaluationsRepository, 'insert' | 'insertItems' | 'insertPredictions' | 'findById'>;
  stages: Pick<StageEvaluations, 'latest' | 'aligned'>;
  finalizer: Pick<EvaluationFinalizer, 'finalizeIfDone'>;
}) => ({
  async create(
    model: ModelVersionRecord,
    input: { datasetVersionId: string; split: string; goodThreshold: string | null; labels: string[] },
  ): Promise<EvaluationRecord> {
    const definition = model.cascade!;
    const stageIds = definition.stages.map((stage) => stage.modelVersionId);
    const latest = await deps.stages.latest(model.taskId, stageIds, input.datasetVersionId, input.split);
    const missing = latest.flatMap((evaluation, stage) => (evaluation ? [] : [stage]));
    // Not a bad request: the stage exists, its evaluation does not yet (evaluate it, then retry).
    if (missing.length > 0)
      throw errors.conflict(
        `A cascade is evaluated from its stages’ stored predictions, and ${missing
          .map((stage) => `stage ${stage} (model version ${stageIds[stage]})`)
          .join(
            ' and ',
          )} ${missing.length > 1 ? 'have' : 'has'} no completed evaluation on the ${input.split} split of this dataset version.`,
        {
          missing: missing.map((stage) => ({ stage, model_version_id: stageIds[stage] })),
          dataset_version_id: input.datasetVersionId,
          split: input.split,
        },
      );
    const sources = latest as EvaluationRecord[];
    const id = newId();
    await deps.db.transaction(async (tx) => {
      await deps.evaluationsRepo.insert(
        {
          id,
          taskId: model.taskId,
          modelVersionId: model.id,
          datasetVersionId: input.datasetVersionId,
          split: input.split,
          status: 'running',
          total: sources[0]!.total,
          goodThreshold: input.goodThreshold,
          startedAt: new Date(),
        },
        [],
        tx,
      );
      let seq = 0;
      for await (const page of deps.stages.aligned(
        sources,
        (stage) => `Stage ${stage} (model version ${stageIds[stage]})`,
        new Set(input.labels),
      )) {
        await deps.evaluationsRepo.insertItems(id, seq, page, tx);
        await deps.evaluationsRepo.insertPredictions(
          page.map((row, i) => ({ evaluationId: id, seq: seq + i, ...composeCascadeRow(definition, row.predictions) })),
          tx,
        );
        seq += page.length;
      }
    });
    await deps.finalizer.finalizeIfDone(id);
    return (await deps.evaluationsRepo.findById(id))!;
  },
});

export type CascadeEvaluations = ReturnType<typeof cascadeEvaluations>;
