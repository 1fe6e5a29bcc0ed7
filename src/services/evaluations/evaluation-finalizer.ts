import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import { cascadeStageMetrics } from '../../domain/evaluation/cascade-stage-metrics.js';
import { evaluatePredictions } from '../../domain/evaluation/evaluate.js';
import { goodThresholdRank, isOrdinal } from '../../domain/task-definition.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { TasksService } from '../tasks-service.js';

/**
 * Computes the metrics once every row has a prediction, then lets the task's promotion policy
 * decide. The conditional status change means only one racing worker finalizes; that one wakes a
 * pipeline waiting on it, once the policy has decided.
 */
export const evaluationFinalizer = (deps: {
  evaluationsRepo: Pick<EvaluationsRepository, 'findById' | 'answered' | 'rows' | 'transition'>;
  /** A cascade's evaluation also gets its per-stage figures. */
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  tasks: Pick<TasksService, 'get'>;
  routing: Pick<RoutingService, 'onEvaluationCompleted'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => ({
  async finalizeIfDone(id: string): Promise<boolean> {
    const evaluation = await deps.evaluationsRepo.findById(id);
    if (evaluation?.status !== 'running') return false;
    if ((await deps.evaluationsRepo.answered(id)) < evaluation.total) return false;
    const task = await deps.tasks.get(evaluation.taskId);
    const rows = await deps.evaluationsRepo.rows(id);
    const order = isOrdinal(task.labels)
      ? Object.fromEntries(task.labels.map((label) => [label.name, label.order!]))
      : undefined;
    const labels = task.labels.map((label) => label.name);
    // The evaluation's own boundary wins; one the labels no longer have is left out, not guessed.
    const goodLabel = evaluation.goodThreshold ?? task.goodThreshold;
    const goodThreshold = goodThresholdRank(task.labels, goodLabel);
    const metrics = evaluatePredictions({
      labels,
      order,
      ...(goodThreshold !== undefined ? { goodThreshold, goodThresholdLabel: goodLabel! } : {}),
      rows: rows.map((row) => ({
        trueLabel: row.trueLabel,
        predicted: row.predicted,
        probabilities: row.probabilities,
        latencyMs: row.latencyMs,
        inputTokens: row.inputTokens ?? 0,
        outputTokens: row.outputTokens ?? 0,
        costUsd: row.costUsd,
        error: row.errorCode && row.errorCode !== 'unparseable' ? row.errorCode : null,
      })),
    });
    const cascade = (await deps.modelVersionsRepo.findById(evaluation.modelVersionId))?.cascade;
    if (cascade)
      metrics.cascade = cascadeStageMetrics(
        labels,
        cascade.stages.map((stage) => stage.modelVersionId),
        rows,
      );
    const done = await deps.evaluationsRepo.transition(id, ['running'], 'completed', {
      metrics,
      finishedAt: new Date(),
    });
    if (done) await deps.routing.onEvaluationCompleted(done);
    if (done) await deps.wake.ended({ evaluationId: id });
    return Boolean(done);
  },
});

export type EvaluationFinalizer = ReturnType<typeof evaluationFinalizer>;
