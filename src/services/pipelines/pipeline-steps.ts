import type { EvaluationsRepository } from '../../db/repositories/evaluations-repository.js';
import type { FineTunesRepository } from '../../db/repositories/fine-tunes-repository.js';
import type { LabelRunsRepository } from '../../db/repositories/label-runs-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { EvaluationRecord } from '../../db/schema/evaluations.js';
import { TERMINAL_FINE_TUNE_STATUSES } from '../../db/schema/fine-tunes.js';
import type { PipelineStepRecord } from '../../db/schema/pipelines.js';
import { pipelineOutcome } from '../../domain/pipelines/outcome.js';
import type { PipelineParams } from '../../domain/pipelines/pipeline-params.js';
import type { StepName } from '../../domain/pipelines/steps.js';
import { metricValue } from '../../domain/routing/promotion-policy.js';
import { newId } from '../../domain/ids.js';
import { isAppError } from '../../errors.js';
import { OFFLINE_PROVIDER, type ProviderName } from '../../providers/registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { EvaluationsService } from '../evaluations/evaluations-service.js';
import { DEFAULT_FEW_SHOT_K, type LabelRunsService } from '../label-runs/label-runs-service.js';
import type { ModelVersionsService } from '../model-versions/model-versions-service.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { FineTunesService } from '../fine-tunes/fine-tunes-service.js';

/** A pipeline's params with its providers known: they were registered names when it was accepted. */
export type StepParams = PipelineParams<ProviderName>;

/** The step cannot succeed as asked: the pipeline stops here, with this reason. */
export class StepFailed extends Error {}

/** What a step run decided: finished (with outputs and cost), or look again when woken or after a while. */
export type StepOutcome =
  | { done: true; outputs: Record<string, unknown>; costUsd: number | null }
  | { done: false; outputs: Record<string, unknown>; waitMs: number };

interface CandidateState {
  provider: string;
  /** The pipeline attempt that started this fine-tune: a retry replaces those that failed before. */
  attempt?: number;
  fine_tune_id?: string;
  status: string;
  model_version_id?: string | null;
  cost_usd?: number | null;
  error?: string;
}
interface EvaluationState {
  model_version_id: string;
  role: 'candidate' | 'baseline';
  attempt?: number;
  evaluation_id?: string;
  status: string;
  score?: number | null;
  cost_usd?: number | null;
}

/**
 * What each step of a pipeline does. Every step is idempotent: it records the ids of what it
 * started in its outputs before waiting on them, so a worker that dies mid-step, or a retry,
 * carries on with the same label run, fine-tunes and evaluations instead of starting new ones.
 */
export function pipelineSteps(deps: {
  datasets: Pick<DatasetsService, 'deriveOnce'>;
  labelRuns: Pick<LabelRunsService, 'create'>;
  labelRunsRepo: Pick<LabelRunsRepository, 'findById' | 'progress'>;
  fineTunes: Pick<FineTunesService, 'create'>;
  fineTunesRepo: Pick<FineTunesRepository, 'findById'>;
  evaluations: Pick<EvaluationsService, 'create'>;
  evaluationsRepo: Pick<EvaluationsRepository, 'findById' | 'latestOn'>;
  modelVersions: Pick<ModelVersionsService, 'register'>;
  routing: Pick<RoutingService, 'onEvaluationCompleted' | 'history'>;
  routingRepo: Pick<RoutingRepository, 'get'>;
  /**
   * How long a waiting step sleeps before it looks again by itself. What it waits on wakes it when
   * it ends (pipeline-wake.ts); this poll only covers a wake-up that was lost.
   */
  safetyNetPollMs: number;
  /** Saves a step's outputs while it is still running (ids of what it started). */
  saveOutputs: (outputs: Record<string, unknown>) => Promise<void>;
}) {
  const outputOf = (steps: PipelineStepRecord[], name: StepName) =>
    steps.find((step) => step.name === name)?.outputs ?? {};
  /** The version later steps work on: prepare's output. */
  const preparedVersion = (steps: PipelineStepRecord[]) => outputOf(steps, 'prepare')['version_id'] as string;

  /**
   * A task without a prompt-only model gets one, so every candidate is measured against it and
   * something serves even when no candidate is promoted: few-shot from the prepared train split,
   * on the labeling provider when the pipeline labels (else the offline model). Registering it on
   * a task without a fallback makes it the fallback. The id is recorded first, as for label runs.
   */
  const registeredBaseline = async (
    taskId: string,
    params: StepParams,
    step: PipelineStepRecord,
    version: string,
  ): Promise<string> => {
    const recorded = step.outputs['baseline'] as { model_version_id: string; registered: boolean } | undefined;
    if (recorded?.registered) return recorded.model_version_id;
    // A fallback set since the pipeline was created is the baseline it would have defaulted to.
    const { fallbackId } = await deps.routingRepo.get(taskId);
    if (fallbackId && !recorded) return fallbackId;
    const id = recorded?.model_version_id ?? newId();
    await deps.saveOutputs({ baseline: { model_version_id: id, registered: false } });
    const provider = params.label?.provider ?? OFFLINE_PROVIDER;
    await deps.modelVersions.register(
      taskId,
      {
        kind: 'prompt',
        provider,
        ...(params.label?.model ? { model: params.label.model } : {}),
        name: `pipeline-baseline-${provider}`,
        few_shot_from: { dataset_version_id: version, k: DEFAULT_FEW_SHOT_K },
      },
      { id },
    );
    await deps.saveOutputs({ baseline: { model_version_id: id, registered: true } });
    return id;
  };

  type Runner = (
    taskId: string,
    params: StepParams,
    step: PipelineStepRecord,
    steps: PipelineStepRecord[],
    attempt: number,
  ) => Promise<StepOutcome>;
  const runners: Record<StepName, Runner> = {
    async label(_taskId, params, step, _steps, attempt) {
      let runId = step.outputs['label_run_id'] as string | undefined;
      // A run that failed in an earlier attempt is replaced by a new one on retry.
      if (
        runId &&
        (step.outputs['attempt'] as number) < attempt &&
        (step.outputs['status'] === 'failed' || step.outputs['status'] === 'cancelled')
      )
        runId = undefined;
      if (!runId || step.outputs['status'] === 'creating') {
        // The id is recorded before the run exists, so a crash in between cannot start a second run.
        runId ??= newId();
        await deps.saveOutputs({ label_run_id: runId, attempt, status: 'creating' });
        try {
          await deps.labelRuns.create(
            params.datasetVersionId,
            { ...params.label!, onlyUnlabeled: true },
            { id: runId },
          );
        } catch (error) {
          if (isAppError(error) && error.code === 'nothing_to_label') {
            return {
              done: true,
              outputs: { version_id: params.datasetVersionId, note: 'every row was already labeled' },
              costUsd: 0,
            };
          }
          throw isAppError(error) && error.statusCode < 500 ? new StepFailed(error.message) : error;
        }
      }
      const run = (await deps.labelRunsRepo.findById(runId))!;
      const progress = await deps.labelRunsRepo.progress(run.id);
      const outputs = {
        label_run_id: run.id,
        attempt,
        status: run.status,
        done: progress.labeled + progress.unparseable + progress.failed,
        total: run.total,
      };
      if (run.status === 'completed')
        return { done: true, outputs: { ...outputs, version_id: run.resultVersionId }, costUsd: progress.costUsd };
      if (run.status === 'failed' || run.status === 'cancelled') {
        // Saved first: a retry of the pipeline reads this status to start a new run instead.
        await deps.saveOutputs(outputs);
        throw new StepFailed(`label run ${run.id} ${run.status}: ${run.errorMessage ?? 'no reason given'}`);
      }
      return { done: false, outputs, waitMs: deps.safetyNetPollMs };
    },

    async prepare(_taskId, params, step, steps) {
      if (step.outputs['version_id']) return { done: true, outputs: step.outputs, costUsd: 0 };
      const source = (outputOf(steps, 'label')['version_id'] as string | undefined) ?? params.datasetVersionId;
      try {
        const version = await deps.datasets.deriveOnce(source, params.prepare.operations);
        return {
          done: true,
          outputs: { from_version_id: source, version_id: version.id, rows: version.rowCount, stats: version.stats },
          costUsd: 0,
        };
      } catch (error) {
        throw isAppError(error) && error.statusCode < 500
          ? new StepFailed(`prepare: ${error.message} ${JSON.stringify(error.fields ?? [])}`)
          : error;
      }
    },

    async train(taskId, params, step, steps, attempt) {
      const version = preparedVersion(steps);
      const candidates: CandidateState[] =
        (step.outputs['candidates'] as CandidateState[] | undefined) ??
        params.candidates.map((candidate) => ({ provider: candidate.provider, status: 'pending' }));
      for (const [index, candidate] of params.candidates.entries()) {
        const state = candidates[index]!;
        const failedBefore = (state.attempt ?? 0) < attempt && state.status !== 'succeeded';
        if (failedBefore) candidates[index] = { provider: candidate.provider, status: 'pending' };
        else if ((state.fine_tune_id && state.status !== 'creating') || state.status === 'failed') continue;
        const fresh = candidates[index]!;
        // As for label runs: the id first, then the fine-tune, so a crash in between cannot train twice.
        if (!fresh.fine_tune_id) {
          Object.assign(fresh, { attempt, fine_tune_id: newId(), status: 'creating' });
          await deps.saveOutputs({ candidates });
        }
        try {
          const created = await deps.fineTunes.create(
            taskId,
            { ...candidate, datasetVersionId: version },
            { id: fresh.fine_tune_id },
          );
          if (created.dryRun) throw new StepFailed('a pipeline candidate cannot be a dry run');
          Object.assign(fresh, { status: created.fineTune.status });
        } catch (error) {
          if (!(isAppError(error) && error.statusCode < 500) && !(error instanceof StepFailed)) throw error;
          const details = isAppError(error) ? ` ${JSON.stringify(error.fields ?? error.details ?? '')}` : '';
          Object.assign(fresh, {
            attempt,
            fine_tune_id: undefined,
            status: 'failed',
            error: `${(error as Error).message}${details}`,
          });
        }
        await deps.saveOutputs({ candidates });
      }
      for (const state of candidates) {
        if (!state.fine_tune_id) continue;
        const fineTune = (await deps.fineTunesRepo.findById(state.fine_tune_id))!;
        Object.assign(state, {
          status: fineTune.status,
          model_version_id: fineTune.modelVersionId,
          cost_usd: fineTune.costUsd,
          ...(fineTune.errorMessage ? { error: fineTune.errorMessage } : {}),
        });
      }
      const outputs = { version_id: version, candidates };
      if (
        candidates.some((state) => state.fine_tune_id && !TERMINAL_FINE_TUNE_STATUSES.includes(state.status as never))
      )
        return { done: false, outputs, waitMs: deps.safetyNetPollMs };
      const trained = candidates.filter((state) => state.status === 'succeeded' && state.model_version_id);
      if (trained.length === 0)
        throw new StepFailed(
          `no candidate was trained: ${candidates.map((state) => `${state.provider}: ${state.status}${state.error ? ` (${state.error})` : ''}`).join('; ')}`,
        );
      return { done: true, outputs, costUsd: candidates.reduce((sum, state) => sum + (state.cost_usd ?? 0), 0) };
    },

    async evaluate(taskId, params, step, steps, attempt) {
      const version = preparedVersion(steps);
      const trained = ((outputOf(steps, 'train')['candidates'] as CandidateState[]) ?? []).filter(
        (state) => state.status === 'succeeded' && state.model_version_id,
      );
      const baseline = params.baselineModelVersionId ?? (await registeredBaseline(taskId, params, step, version));
      const wanted: EvaluationState[] = [
        ...trained.map((state) => ({
          model_version_id: state.model_version_id!,
          role: 'candidate' as const,
          status: 'pending',
        })),
        { model_version_id: baseline, role: 'baseline' as const, status: 'pending' },
      ];
      const states: EvaluationState[] = (step.outputs['evaluations'] as EvaluationState[] | undefined) ?? wanted;
      let deciding = false;
      for (const state of states) {
        const retryOfFailed = (state.attempt ?? 0) < attempt && state.status === 'failed';
        if (state.evaluation_id && !retryOfFailed) continue;
        // A newly trained model is evaluated on its test split by its fine-tune: wait for that
        // decision rather than race it into a second (for a hosted model, billed) evaluation.
        const fineTuneId = trained.find(
          (candidate) => candidate.model_version_id === state.model_version_id,
        )?.fine_tune_id;
        const auto =
          fineTuneId && !retryOfFailed ? (await deps.fineTunesRepo.findById(fineTuneId))?.autoEvaluation : undefined;
        if (fineTuneId && !retryOfFailed && auto === null) {
          deciding = true;
          continue;
        }
        state.attempt = attempt;
        const existing = auto?.evaluation_id
          ? await deps.evaluationsRepo.findById(auto.evaluation_id)
          : await deps.evaluationsRepo.latestOn(state.model_version_id, version, 'test');
        state.evaluation_id =
          existing && existing.status !== 'failed'
            ? existing.id
            : (
                await deps.evaluations.create({
                  modelVersionId: state.model_version_id,
                  datasetVersionId: version,
                  split: 'test',
                })
              ).id;
        await deps.saveOutputs({ evaluations: states });
      }
      if (deciding)
        return {
          done: false,
          outputs: { version_id: version, split: 'test', evaluations: states },
          waitMs: deps.safetyNetPollMs,
        };
      const { metric } = await deps.routingRepo.get(taskId);
      const records: EvaluationRecord[] = [];
      for (const state of states) {
        const evaluation = (await deps.evaluationsRepo.findById(state.evaluation_id!))!;
        records.push(evaluation);
        const { metrics } = evaluation;
        Object.assign(state, {
          status: evaluation.status,
          score: metrics ? metricValue(metrics, metric) : null,
          cost_usd: metrics?.usage.cost_usd ?? null,
        });
      }
      const outputs = { version_id: version, split: 'test', metric, evaluations: states };
      if (records.some((evaluation) => evaluation.status === 'queued' || evaluation.status === 'running'))
        return { done: false, outputs, waitMs: deps.safetyNetPollMs };
      if (!states.some((state) => state.role === 'candidate' && state.status === 'completed')) {
        // Saved first: a retry of the pipeline reads these statuses to evaluate the failed ones again.
        await deps.saveOutputs(outputs);
        throw new StepFailed(
          `no candidate could be evaluated: ${states.map((state) => `${state.model_version_id}: ${state.status}`).join('; ')}`,
        );
      }
      return { done: true, outputs, costUsd: states.reduce((sum, state) => sum + (state.cost_usd ?? 0), 0) };
    },

    async promote(taskId, _params, _step, steps) {
      const evaluated = ((outputOf(steps, 'evaluate')['evaluations'] as EvaluationState[]) ?? []).filter(
        (state) => state.role === 'candidate' && state.status === 'completed',
      );
      const best = [...evaluated].sort((a, b) => (b.score ?? -1) - (a.score ?? -1))[0]!;
      const before = await deps.routingRepo.get(taskId);
      // Candidates were judged as their evaluations finished, possibly before the champion had a
      // score on these rows; now that every score is in, the best candidate is judged once more.
      if (before.championId !== best.model_version_id) {
        await deps.routing.onEvaluationCompleted((await deps.evaluationsRepo.findById(best.evaluation_id!))!);
      }
      const after = await deps.routingRepo.get(taskId);
      const [latest] = (await deps.routing.history(taskId, { limit: 1 })).data;
      return {
        done: true,
        outputs: {
          best_candidate: best.model_version_id,
          best_score: best.score,
          champion_before: before.championId,
          champion_after: after.championId,
          promoted: after.championId === best.model_version_id,
          decision: latest ? { action: latest.action, reason: latest.reason, numbers: latest.numbers } : null,
          outcome: pipelineOutcome({
            bestCandidate: best.model_version_id,
            championAfter: after.championId,
            fallbackAfter: after.fallbackId,
            decisionReason: latest?.reason ?? null,
          }),
        },
        costUsd: 0,
      };
    },
  };

  return {
    run: (taskId: string, params: StepParams, step: PipelineStepRecord, steps: PipelineStepRecord[], attempt: number) =>
      runners[step.name as StepName](taskId, params, step, steps, attempt),
  };
}
