import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { LabelRunsRepository } from '../../db/repositories/label-runs-repository.js';
import type { PromptConfig } from '../../domain/labeling/prompt.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { LabelingJob } from '../../workers/queues.js';
import { ItemFailedError, RunFatalError, type ProviderCalls } from '../inference/provider-calls.js';
import type { PipelineWake } from '../pipelines/pipeline-wake.js';
import type { LabelRunFinalizer } from './label-run-finalizer.js';
import { runParams } from './label-run-params.js';

export interface ChunkDeps {
  labelRunsRepo: Pick<LabelRunsRepository, 'findById' | 'transition' | 'pendingItems' | 'progress' | 'update' | 'recordResult'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'textsByIds'>;
  providers: Pick<Providers, 'classifier' | 'budgetFor'>;
  calls: Pick<ProviderCalls, 'classify'>;
  finalizer: Pick<LabelRunFinalizer, 'finalizeIfDone'>;
  wake: Pick<PipelineWake, 'ended'>;
}

/** Labels one chunk of a run: every example without an answer yet, in order. */
export const labelChunkRunner = (deps: ChunkDeps) => {
  /** Still worth working on? Re-read for every example so cancel and failure take effect at once. */
  const stillActive = async (runId: string) => {
    const run = await deps.labelRunsRepo.findById(runId);
    return run && (run.status === 'running' || run.status === 'queued') && !run.stopReason ? run : undefined;
  };

  return {
    async run(job: LabelingJob, signal?: AbortSignal): Promise<{ answered: number }> {
      let run = await stillActive(job.runId);
      if (!run) return { answered: 0 };
      if (run.status === 'queued') {
        run = (await deps.labelRunsRepo.transition(run.id, ['queued'], 'running', { startedAt: new Date() })) ?? run;
      }
      const params = runParams(run.params);
      const prompt = run.prompt as unknown as PromptConfig & { labelCodes?: Record<string, string> };
      const provider = run.provider as ProviderName;
      const target = {
        classifier: deps.providers.classifier({ provider, model: run.model, labelCodes: prompt.labelCodes }, prompt),
        prompt,
        budget: deps.providers.budgetFor(provider, params.rateLimit),
      };

      const pending = await deps.labelRunsRepo.pendingItems(run.id, job.fromSeq, job.toSeq);
      const texts = await deps.datasetRowsRepo.textsByIds(pending.map((item) => item.exampleId));
      let answered = 0;
      for (const item of pending) {
        // Shutting down: give the rest of the chunk back (the job fails and is retried elsewhere).
        signal?.throwIfAborted();
        if (!(await stillActive(run.id))) return { answered };
        if (params.maxCostUsd !== undefined && (await deps.labelRunsRepo.progress(run.id)).costUsd >= params.maxCostUsd) {
          await deps.labelRunsRepo.update(run.id, { stopReason: 'max_cost' });
          break;
        }
        try {
          const { answer, costUsd } = await deps.calls.classify(target, texts.get(item.exampleId) ?? '', signal);
          const recorded = await deps.labelRunsRepo.recordResult({
            runId: run.id,
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
          });
          if (recorded) answered += 1;
        } catch (error) {
          if (error instanceof RunFatalError) {
            await deps.labelRunsRepo.transition(run.id, ['queued', 'running'], 'failed', {
              errorCode: error.code,
              errorMessage: error.message,
              finishedAt: new Date(),
            });
            await deps.wake.ended({ labelRunId: run.id });
            return { answered };
          }
          if (!(error instanceof ItemFailedError)) throw error;
          await deps.labelRunsRepo.recordResult({
            runId: run.id,
            exampleId: item.exampleId,
            status: 'failed',
            errorCode: error.code,
            errorMessage: error.message.slice(0, 1_000),
          });
        }
      }
      await deps.finalizer.finalizeIfDone(run.id);
      return { answered };
    },
  };
};

export type LabelChunkRunner = ReturnType<typeof labelChunkRunner>;
