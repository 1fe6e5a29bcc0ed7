import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { LabelRunsRepository } from '../../db/repositories/label-runs-repository.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { LabelingJob } from '../../queues/queue-registry.js';
import { chunkLoop } from '../chunk-loop.js';
import type { ProviderCalls } from '../inference/provider-calls.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { LabelRunFinalizer } from './label-run-finalizer.js';
import { lostConnection } from '../provider-checks.js';

export interface ChunkDeps {
  labelRunsRepo: Pick<
    LabelRunsRepository,
    'findById' | 'transition' | 'pendingItems' | 'recordResult' | 'progress' | 'update'
  >;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'textsByIds'>;
  providers: Pick<Providers, 'classifier' | 'budgetFor' | 'has' | 'isConfigured' | 'configHint'>;
  calls: Pick<ProviderCalls, 'classify'>;
  finalizer: Pick<LabelRunFinalizer, 'finalizeIfDone'>;
  wake: Pick<PipelineWake, 'ended'>;
}

/** Labels one chunk of a run: every example without an answer yet, in order. */
export const labelChunkRunner = (deps: ChunkDeps) => {
  const chunks = chunkLoop(deps, {
    records: deps.labelRunsRepo,
    // A reached cost limit stops the run as cancel and failure do.
    isActive: (run) => (run.status === 'running' || run.status === 'queued') && !run.stopReason,
    recordAnswer: (runId, item, { answer, costUsd }) =>
      deps.labelRunsRepo.recordResult({
        runId,
        exampleId: item.exampleId,
        status: answer.label === null ? 'unparseable' : 'labeled',
        label: answer.label,
        confidence: answer.confidence,
        probabilities: answer.probabilities,
        rawOutput: answer.rawOutput.slice(0, 1_000),
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        costUsd,
        latencyMs: Math.round(answer.latencyMs),
      }),
    recordFailure: (runId, item, error) =>
      deps.labelRunsRepo.recordResult({
        runId,
        exampleId: item.exampleId,
        status: 'failed',
        errorCode: error.code,
        errorMessage: error.message.slice(0, 1_000),
      }),
    finalizer: deps.finalizer,
    ended: (runId) => deps.wake.ended({ labelRunId: runId }),
  });

  return {
    async run(job: LabelingJob, signal?: AbortSignal): Promise<{ answered: number }> {
      const run = await chunks.start(job.runId);
      if (!run) return { answered: 0 };
      const { params, prompt } = run;
      const provider = run.provider as ProviderName;
      // The connection was taken out of the configuration (or lost its key) since the run was
      // accepted: retrying cannot help, so the run fails saying what to do.
      const lost = lostConnection(deps.providers, provider, 'label run');
      if (lost) {
        await chunks.fail(run.id, lost.code, lost.message);
        return { answered: 0 };
      }
      const target = {
        classifier: deps.providers.classifier({ provider, model: run.model, labelCodes: prompt.labelCodes }, prompt),
        prompt,
        budget: deps.providers.budgetFor(provider, params.rateLimit),
      };
      const costLimitReached = async () => {
        const reached =
          params.limits?.maxCostUsd !== undefined &&
          (await deps.labelRunsRepo.progress(run.id)).costUsd >= params.limits.maxCostUsd;
        if (reached) await deps.labelRunsRepo.update(run.id, { stopReason: 'max_cost' });
        return reached;
      };
      return chunks.run(run.id, job, { target, stopBefore: costLimitReached }, signal);
    },
  };
};

export type LabelChunkRunner = ReturnType<typeof labelChunkRunner>;
