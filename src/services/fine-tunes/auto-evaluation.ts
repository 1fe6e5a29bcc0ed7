import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import type { AutoEvaluation, FineTuneRecord } from '../../db/schema/fine-tunes.js';
import { isAppError } from '../../errors.js';
import type { EvaluationsService } from '../evaluations/evaluations-service.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';

/**
 * A trained model is measured at once on the test split of the version it was trained on. This
 * runs after the fine-tune has succeeded and cannot undo it: when the evaluation cannot run (the
 * version has no labeled test rows, the model is retired, ...) it is recorded as `skipped` with
 * the reason. Anything else (a database outage) is thrown so the step is retried; the retry finds
 * the fine-tune succeeded and comes back here. The decision wakes a pipeline waiting on the
 * fine-tune: its train step waits for the success, its evaluate step for this decision.
 */
export const autoEvaluation = (deps: {
  fineTunesRepo: Pick<FineTunesRepository, 'update'>;
  evaluations: Pick<EvaluationsService, 'create'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'latestOn'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => {
  const decide = async (modelVersionId: string, datasetVersionId: string): Promise<AutoEvaluation> => {
    // One started by an earlier attempt (or by a pipeline) is the one.
    const existing = await deps.evaluationsRepo.latestOn(modelVersionId, datasetVersionId, 'test');
    if (existing && existing.status !== 'failed') return { status: 'queued', evaluation_id: existing.id, reason: null };
    try {
      const evaluation = await deps.evaluations.create({ modelVersionId, datasetVersionId, split: 'test' });
      return { status: 'queued', evaluation_id: evaluation.id, reason: null };
    } catch (error) {
      if (isAppError(error) && error.statusCode < 500)
        return { status: 'skipped', evaluation_id: null, reason: error.message };
      throw error;
    }
  };

  return {
    async run(fineTune: FineTuneRecord): Promise<void> {
      if (fineTune.autoEvaluation || !fineTune.modelVersionId) return;
      await deps.fineTunesRepo.update(fineTune.id, {
        autoEvaluation: await decide(fineTune.modelVersionId, fineTune.datasetVersionId),
      });
      await deps.wake.ended({ fineTuneId: fineTune.id });
    },
  };
};

export type AutoEvaluationStep = ReturnType<typeof autoEvaluation>;
