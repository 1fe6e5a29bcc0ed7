import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { EvaluationJob } from '../../workers/queues.js';
import { ItemFailedError, RunFatalError, type ProviderCalls } from '../inference/provider-calls.js';
import type { ModelClassifiers } from '../models/model-classifiers.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { EvaluationFinalizer } from './evaluation-finalizer.js';
import type { ModelShutdowns } from '../models/model-shutdowns.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';

/**
 * Predicts one chunk of an evaluation's rows. A failed prediction is stored (it counts as wrong);
 * a model the provider no longer has is retired, which fails the evaluation.
 */
export const evaluationChunkRunner = (deps: {
  evaluationsRepo: Pick<EvaluationsRepository, 'findById' | 'transition' | 'pendingItems' | 'recordPrediction'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'textsByIds'>;
  classifiers: Pick<ModelClassifiers, 'targetFor'>;
  calls: Pick<ProviderCalls, 'classify'>;
  finalizer: Pick<EvaluationFinalizer, 'finalizeIfDone'>;
  routing: Pick<RoutingService, 'retire'>;
  shutdowns: Pick<ModelShutdowns, 'pastShutdown'>;
  wake: Pick<PipelineWake, 'ended'>;
}) => {
  const stillActive = async (id: string) => {
    const evaluation = await deps.evaluationsRepo.findById(id);
    return evaluation && (evaluation.status === 'queued' || evaluation.status === 'running') ? evaluation : undefined;
  };

  return {
    async run(job: EvaluationJob, signal?: AbortSignal) {
      let evaluation = await stillActive(job.evaluationId);
      if (!evaluation) return { answered: 0 };
      if (evaluation.status === 'queued') {
        evaluation = (await deps.evaluationsRepo.transition(evaluation.id, ['queued'], 'running', { startedAt: new Date() })) ?? evaluation;
      }
      const model = (await deps.modelVersionsRepo.findById(evaluation.modelVersionId))!;
      const gone = await deps.shutdowns.pastShutdown(model);
      if (gone) {
        await deps.routing.retire(model.id, gone, 'system');
        await deps.evaluationsRepo.transition(evaluation.id, ['queued', 'running'], 'failed', {
          errorCode: 'model_retired',
          errorMessage: gone,
          finishedAt: new Date(),
        });
        await deps.wake.ended({ evaluationId: evaluation.id });
        return { answered: 0 };
      }
      const target = deps.classifiers.targetFor(model);
      const pending = await deps.evaluationsRepo.pendingItems(evaluation.id, job.fromSeq, job.toSeq);
      const texts = await deps.datasetRowsRepo.textsByIds(pending.map((item) => item.exampleId));
      let answered = 0;
      for (const item of pending) {
        signal?.throwIfAborted();
        if (!(await stillActive(evaluation.id))) return { answered };
        try {
          const { answer, costUsd } = await deps.calls.classify(target, texts.get(item.exampleId) ?? '', signal);
          const recorded = await deps.evaluationsRepo.recordPrediction({
            evaluationId: evaluation.id,
            seq: item.seq,
            predicted: answer.label,
            confidence: answer.confidence,
            probabilities: answer.probabilities,
            latencyMs: Math.round(answer.latencyMs),
            inputTokens: answer.usage.inputTokens,
            outputTokens: answer.usage.outputTokens,
            costUsd,
            errorCode: answer.label === null ? 'unparseable' : null,
          });
          if (recorded) answered += 1;
        } catch (error) {
          if (error instanceof RunFatalError) {
            if (error.code === 'model_not_found') await deps.routing.retire(model.id, 'provider says model_not_found', 'system');
            await deps.evaluationsRepo.transition(evaluation.id, ['queued', 'running'], 'failed', {
              errorCode: error.code,
              errorMessage: error.message,
              finishedAt: new Date(),
            });
            await deps.wake.ended({ evaluationId: evaluation.id });
            return { answered };
          }
          if (!(error instanceof ItemFailedError)) throw error;
          await deps.evaluationsRepo.recordPrediction({
            evaluationId: evaluation.id,
            seq: item.seq,
            errorCode: error.code,
            errorMessage: error.message.slice(0, 1_000),
          });
        }
      }
      await deps.finalizer.finalizeIfDone(evaluation.id);
      return { answered };
    },
  };
};

export type EvaluationChunkRunner = ReturnType<typeof evaluationChunkRunner>;
