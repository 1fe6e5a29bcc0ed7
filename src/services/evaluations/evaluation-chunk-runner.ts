import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { EvaluationJob } from '../../queues/queue-registry.js';
import { chunkLoop, type ChunkPlan } from '../chunk-loop.js';
import type { ProviderCalls } from '../inference/provider-calls.js';
import type { ModelEndpointsService } from '../model-versions/model-endpoints-service.js';
import type { ModelClassifiers } from '../model-versions/model-classifiers.js';
import type { ModelShutdowns } from '../model-versions/model-shutdowns.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { EvaluationFinalizer } from './evaluation-finalizer.js';
import type { Providers } from '../../providers/registry.js';
import { lostConnection } from '../provider-checks.js';

/**
 * Predicts one chunk of an evaluation's rows. A failed prediction is stored (it counts as wrong);
 * a model the provider no longer has is retired, which fails the evaluation.
 */
export const evaluationChunkRunner = (deps: {
  evaluationsRepo: Pick<EvaluationsRepository, 'findById' | 'transition' | 'pendingItems' | 'recordPrediction'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'textsByIds'>;
  classifiers: Pick<ModelClassifiers, 'targetFor'>;
  endpoints: Pick<ModelEndpointsService, 'servingNames'>;
  calls: Pick<ProviderCalls, 'classify'>;
  finalizer: Pick<EvaluationFinalizer, 'finalizeIfDone'>;
  routing: Pick<RoutingService, 'retire'>;
  shutdowns: Pick<ModelShutdowns, 'pastShutdown'>;
  wake: Pick<PipelineWake, 'ended'>;
  providers: Pick<Providers, 'has' | 'isConfigured' | 'configHint'>;
}) => {
  const chunks = chunkLoop(deps, {
    records: deps.evaluationsRepo,
    isActive: (evaluation) => evaluation.status === 'queued' || evaluation.status === 'running',
    recordAnswer: (evaluationId, item, { answer, costUsd }) =>
      deps.evaluationsRepo.recordPrediction({
        evaluationId,
        seq: item.seq,
        predicted: answer.label,
        confidence: answer.confidence,
        probabilities: answer.probabilities,
        latencyMs: Math.round(answer.latencyMs),
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        costUsd,
        errorCode: answer.label === null ? 'unparseable' : null,
      }),
    recordFailure: (evaluationId, item, error) =>
      deps.evaluationsRepo.recordPrediction({
        evaluationId,
        seq: item.seq,
        errorCode: error.code,
        errorMessage: error.message.slice(0, 1_000),
      }),
    finalizer: deps.finalizer,
    ended: (evaluationId) => deps.wake.ended({ evaluationId }),
  });

  return {
    async run(job: EvaluationJob, signal?: AbortSignal) {
      const evaluation = await chunks.start(job.evaluationId);
      if (!evaluation) return { answered: 0 };
      const model = (await deps.modelVersionsRepo.findById(evaluation.modelVersionId))!;
      // A cascade's evaluation is written whole, from its stages' predictions, and calls no model:
      // a chunk of one (resumed after a crash before it was finalized) only finishes it.
      if (model.kind === 'cascade') {
        await deps.finalizer.finalizeIfDone(evaluation.id);
        return { answered: 0 };
      }
      // The model's connection was taken out of the configuration (or lost its key) since the
      // evaluation was accepted: every prediction would fail, so the evaluation fails saying why.
      const lost = lostConnection(deps.providers, model.provider, 'evaluation');
      if (lost) {
        await chunks.fail(evaluation.id, lost.code, lost.message);
        return { answered: 0 };
      }
      const gone = await deps.shutdowns.pastShutdown(model);
      if (gone) {
        await deps.routing.retire(model.id, gone, 'system');
        await chunks.fail(evaluation.id, 'model_retired', gone);
        return { answered: 0 };
      }
      // A model that only a dedicated endpoint serves is evaluated through it while it is started.
      const servedAs = (await deps.endpoints.servingNames([model.id])).get(model.id);
      const plan: ChunkPlan = {
        target: deps.classifiers.targetFor(model, servedAs),
        beforeFail: async (error) => {
          if (error.code === 'model_not_found')
            await deps.routing.retire(model.id, 'provider says model_not_found', 'system');
        },
      };
      return chunks.run(evaluation.id, job, plan, signal);
    },
  };
};

export type EvaluationChunkRunner = ReturnType<typeof evaluationChunkRunner>;
