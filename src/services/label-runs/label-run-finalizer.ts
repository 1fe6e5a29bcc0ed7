import type { Database } from '../../db/client.js';
import type { LabelRunsRepository } from '../../db/repositories/label-runs-repository.js';
import { applyLabelAnswers } from '../../domain/labeling/apply-results.js';
import { DEFAULT_LOW_CONFIDENCE } from '../../domain/labeling/label-run-request.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';

/**
 * Ends a run whose items are all answered (or whose cost limit was reached) by writing the new
 * dataset version. The status change and the version commit together, and the conditional status
 * update means only one of several racing workers does it; that one wakes a pipeline waiting on it.
 */
export const labelRunFinalizer = (deps: {
  db: Database;
  labelRunsRepo: Pick<LabelRunsRepository, 'findById' | 'progress' | 'transition' | 'results' | 'update'>;
  datasets: Pick<DatasetsService, 'deriveWith'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => ({
  async finalizeIfDone(runId: string): Promise<boolean> {
    const run = await deps.labelRunsRepo.findById(runId);
    if (!run || (run.status !== 'running' && run.status !== 'queued')) return false;
    const progress = await deps.labelRunsRepo.progress(runId);
    const answered = progress.labeled + progress.unparseable + progress.failed;
    if (answered < run.total && !run.stopReason) return false;

    const won = await deps.db.transaction(async (tx) => {
      const won = await deps.labelRunsRepo.transition(
        runId,
        ['running', 'queued'],
        'completed',
        { finishedAt: new Date() },
        tx,
      );
      if (!won) return false;
      const { params } = run;
      const results = await deps.labelRunsRepo.results(runId, tx);
      const version = await deps.datasets.deriveWith(
        run.sourceVersionId,
        'label',
        { label_run_id: run.id, provider: run.provider, model: run.model, mode: run.mode },
        (rows) => {
          const applied = applyLabelAnswers(rows, results, {
            lowConfidenceThreshold: params.lowConfidenceThreshold ?? DEFAULT_LOW_CONFIDENCE,
            refine: params.refine,
          });
          return { rows: applied.rows, report: { label_run: applied.report } };
        },
        tx,
      );
      await deps.labelRunsRepo.update(runId, { resultVersionId: version.id, report: version.report }, tx);
      return true;
    });
    if (won) await deps.wake.ended({ labelRunId: runId });
    return won;
  },
});

export type LabelRunFinalizer = ReturnType<typeof labelRunFinalizer>;
