import { isDeepStrictEqual } from 'node:util';
import type { Database, Executor } from '../../db/client.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import type { PipelinesRepository } from '../../db/repositories/pipelines-repository.js';
import type { RoutingRepository } from '../../db/repositories/routing-repository.js';
import type { PipelineRecord, PipelineStepRecord } from '../../db/schema/pipelines.js';
import type { Operation } from '../../domain/datasets/operations.js';
import { newId } from '../../domain/ids.js';
import { afterCursor, toPage } from '../../domain/pagination.js';
import type { PipelineOutcome } from '../../domain/pipelines/outcome.js';
import type { PipelineOrigin } from '../../domain/routing/on-shutdown.js';
import { remainingSteps, STEP_NAMES, type StepName } from '../../domain/pipelines/steps.js';
import { errors, isAppError, type FieldProblem } from '../../errors.js';
import type { Providers } from '../../providers/registry.js';
import { pipelineStepJob, pipelineStepJobId, type Queues } from '../../queues/queue-registry.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import { findOr404 } from '../lookup.js';
import { providerProblem } from '../provider-checks.js';
import type { TasksService } from '../tasks-service.js';
import { StepFailed, type pipelineSteps, type StepOutcome, type StepParams } from './pipeline-steps.js';

export type CreatePipelineInput = Omit<StepParams, 'prepare' | 'baselineModelVersionId'> & {
  prepare?: { operations: Operation[] };
  baselineModelVersionId?: string;
};

/**
 * Without instructions: drop unlabeled rows, dedupe ignoring case and spacing, clean, split
 * 70/15/15 stratified, the test split grown to the promotion policy's minimum test size where the
 * data allows (15 % of 150 rows is 22, and a policy needing 30 would never promote anything).
 */
export const defaultPrepare = (minTestRows: number): Operation[] => [
  { op: 'filter', drop_unlabeled: true },
  { op: 'dedupe', mode: 'normalized' },
  { op: 'clean' },
  { op: 'split', train: 0.7, validation: 0.15, test: 0.15, seed: 42, stratify: true, min_test_rows: minTestRows },
];

export interface PipelineView {
  pipeline: PipelineRecord;
  steps: PipelineStepRecord[];
}

/**
 * Pipelines: the whole loop for a task as one BullMQ flow of step jobs (see pipeline-steps.ts),
 * with every step's state, timings, cost and outputs in Postgres. A failed step blocks the ones
 * after it; a retry runs again from the failed step, keeping what finished.
 */
export const pipelinesService = (deps: {
  db: Database;
  pipelinesRepo: Pick<
    PipelinesRepository,
    'findById' | 'steps' | 'updateStep' | 'blockAfter' | 'update' | 'list' | 'insert' | 'listRunning'
  >;
  routingRepo: Pick<RoutingRepository, 'get'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById'>;
  tasks: Pick<TasksService, 'get'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  providers: Pick<Providers, 'has' | 'isConfigured' | 'configHint'>;
  queues: Pick<Queues, 'addPipelineFlow' | 'get' | 'failedReason'>;
  steps: (saveOutputs: (outputs: Record<string, unknown>) => Promise<void>) => ReturnType<typeof pipelineSteps>;
}) => {
  const getPipeline = (id: string) => findOr404('pipeline', id, (known) => deps.pipelinesRepo.findById(known));
  const view = async (pipeline: PipelineRecord): Promise<PipelineView> => ({
    pipeline,
    steps: await deps.pipelinesRepo.steps(pipeline.id),
  });

  const jobIdOf = (pipeline: PipelineRecord, step: StepName) => pipelineStepJobId(pipeline.id, pipeline.attempt, step);
  const schedule = (pipeline: PipelineRecord, names: StepName[]) =>
    deps.queues.addPipelineFlow(names.map((step) => pipelineStepJob(pipeline.id, pipeline.attempt, step)));

  /** Records a step's end; a failure blocks every later step and fails the pipeline, with the reason. */
  const finishStep = async (
    pipeline: PipelineRecord,
    step: PipelineStepRecord,
    outcome: { failed?: string; outputs?: Record<string, unknown>; costUsd?: number | null },
  ) => {
    await deps.db.transaction(async (tx) => {
      const now = new Date();
      if (outcome.failed) {
        await deps.pipelinesRepo.updateStep(
          pipeline.id,
          step.name,
          { status: 'failed', error: outcome.failed, finishedAt: now },
          tx,
        );
        await deps.pipelinesRepo.blockAfter(pipeline.id, step.position, `not run: step "${step.name}" failed`, tx);
        await deps.pipelinesRepo.update(
          pipeline.id,
          { status: 'failed', error: `${step.name}: ${outcome.failed}`, finishedAt: now },
          tx,
        );
        return;
      }
      await deps.pipelinesRepo.updateStep(
        pipeline.id,
        step.name,
        {
          status: 'completed',
          outputs: outcome.outputs ?? {},
          costUsd: outcome.costUsd ?? null,
          error: null,
          finishedAt: now,
        },
        tx,
      );
      if (step.name === 'promote') {
        // What the pipeline left serving, at the top of its record.
        const serving = (outcome.outputs?.['outcome'] as PipelineOutcome | undefined) ?? null;
        await deps.pipelinesRepo.update(pipeline.id, { status: 'completed', outcome: serving, finishedAt: now }, tx);
      }
    });
  };

  return {
    get: async (id: string) => view(await getPipeline(id)),

    async list(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      const found = toPage(
        await deps.pipelinesRepo.list(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
      return { data: await Promise.all(found.data.map(view)), nextCursor: found.nextCursor };
    },

    /**
     * `options.origin`: a pipeline Tuneline starts by itself (an on_shutdown retrain), stored under
     * its key so only one is ever made per key (a second gets 409 conflict); `options.inTransaction`
     * writes what goes with it (its routing event) in the same transaction.
     */
    async create(
      taskRef: string,
      input: CreatePipelineInput,
      options: {
        origin?: { origin: PipelineOrigin; key: string };
        inTransaction?: (pipeline: PipelineRecord, tx: Executor) => Promise<void>;
      } = {},
    ): Promise<PipelineView> {
      const task = await deps.tasks.get(taskRef);
      if (task.archivedAt) throw errors.archived('task', task.slug);
      const problems: FieldProblem[] = [];
      // Only "no such version" becomes a field problem; anything else (Postgres down) stays an error.
      const version = await deps.datasets.getVersion(input.datasetVersionId).catch((error: unknown) => {
        if (isAppError(error) && error.code === 'not_found') return undefined;
        throw error;
      });
      if (!version || (await deps.datasets.getDataset(version.datasetId)).taskId !== task.id) {
        problems.push({ field: 'body.dataset_version_id', message: `no such dataset version of task "${task.slug}"` });
      }
      const labelProblem = input.label && providerProblem(deps.providers, input.label.provider);
      if (labelProblem) problems.push({ field: 'body.label.provider', message: labelProblem });
      input.candidates.forEach((candidate, index) => {
        const problem = providerProblem(deps.providers, candidate.provider);
        if (problem) problems.push({ field: `body.candidates[${index}].provider`, message: problem });
      });
      const routing = await deps.routingRepo.get(task.id);
      // The baseline defaults to the task's fallback: normally its prompt-only model.
      const baseline = input.baselineModelVersionId ?? routing.fallbackId;
      if (baseline) {
        const model = await deps.modelVersionsRepo.findById(baseline);
        if (!model || model.taskId !== task.id || model.status === 'retired') {
          problems.push({
            field: 'body.baseline_model_version_id',
            message: 'no such serving model version of this task',
          });
        }
      }
      if (problems.length > 0) throw errors.validation('The pipeline cannot run as asked.', problems);

      const params: StepParams = {
        datasetVersionId: input.datasetVersionId,
        ...(input.label ? { label: input.label } : {}),
        prepare: { operations: input.prepare?.operations ?? defaultPrepare(routing.minTestSize) },
        candidates: input.candidates,
        baselineModelVersionId: baseline ?? null,
      };
      const pipeline: PipelineRecord = {
        id: newId(),
        taskId: task.id,
        status: 'running',
        params,
        attempt: 1,
        error: null,
        outcome: null,
        origin: options.origin?.origin ?? null,
        originKey: options.origin?.key ?? null,
        createdAt: new Date(),
        finishedAt: null,
      };
      await deps.db.transaction(async (tx) => {
        await deps.pipelinesRepo.insert(
          pipeline,
          STEP_NAMES.map((name, position) => ({
            pipelineId: pipeline.id,
            name,
            position,
            status: name === 'label' && !input.label ? ('skipped' as const) : ('pending' as const),
            ...(name === 'label' && !input.label ? { outputs: { note: 'no labeling asked for' } } : {}),
          })),
          tx,
        );
        await options.inTransaction?.(pipeline, tx);
      });
      const created = await view(pipeline);
      await schedule(pipeline, remainingSteps(created.steps));
      return created;
    },

    /** Runs a failed pipeline again from its failed step; completed steps keep their outputs. */
    async retry(id: string): Promise<PipelineView> {
      const pipeline = await getPipeline(id);
      if (pipeline.status !== 'failed') throw errors.pipelineNotFailed(id, pipeline.status);
      const retried = await deps.db.transaction(async (tx) => {
        const steps = await deps.pipelinesRepo.steps(id, tx);
        for (const step of steps) {
          if (step.status === 'failed' || step.status === 'blocked')
            await deps.pipelinesRepo.updateStep(
              id,
              step.name,
              { status: 'pending', error: null, finishedAt: null },
              tx,
            );
        }
        return (await deps.pipelinesRepo.update(
          id,
          { status: 'running', error: null, finishedAt: null, attempt: pipeline.attempt + 1 },
          tx,
        ))!;
      });
      const current = await view(retried);
      await schedule(retried, remainingSteps(current.steps));
      return current;
    },

    /**
     * Reconciles running pipelines with the queue. A pipeline whose flow is not there (the API
     * wrote it and died before adding the flow, or Redis lost it) is scheduled again; the flow is
     * added in one go, so its root (the last step's job) being there means the whole flow is. A
     * pipeline whose step job failed without the step saying so (BullMQ fails a job that stalls
     * too often) is failed with that reason, so it can be retried. Returns how many it changed.
     */
    async resumeActive(): Promise<number> {
      let changed = 0;
      for (const pipeline of await deps.pipelinesRepo.listRunning()) {
        const root = await deps.queues.get('pipelines').getJob(jobIdOf(pipeline, 'promote'));
        if (root && !(await root.isFailed())) continue;
        const steps = await deps.pipelinesRepo.steps(pipeline.id);
        const remaining = remainingSteps(steps);
        if (!root) {
          await schedule(pipeline, remaining);
        } else {
          // The first remaining step whose job failed is where the flow broke (the root otherwise).
          let broken = { name: remaining.at(-1)!, reason: root.failedReason };
          for (const name of remaining) {
            const reason = await deps.queues.failedReason('pipelines', jobIdOf(pipeline, name));
            if (reason !== undefined) {
              broken = { name, reason };
              break;
            }
          }
          await finishStep(pipeline, steps.find((step) => step.name === broken.name)!, {
            failed: `its job failed in the queue: ${broken.reason}`,
          });
        }
        changed += 1;
      }
      return changed;
    },

    /**
     * One step job: run the step; `done: false` means the job should look again later. Jobs of an
     * older attempt (before a retry) and steps already finished are no-ops.
     */
    async runStep(
      job: { pipelineId: string; step: StepName; attempt: number },
      isLastAttempt: boolean,
    ): Promise<{ waitMs?: number }> {
      const pipeline = await deps.pipelinesRepo.findById(job.pipelineId);
      if (!pipeline || pipeline.attempt !== job.attempt || pipeline.status !== 'running') return {};
      const steps = await deps.pipelinesRepo.steps(pipeline.id);
      let step = steps.find((candidate) => candidate.name === job.step)!;
      if (step.status === 'completed' || step.status === 'skipped') return {};
      if (step.status !== 'running') {
        step = (await deps.pipelinesRepo.updateStep(pipeline.id, step.name, {
          status: 'running',
          startedAt: step.startedAt ?? new Date(),
          attempts: step.attempts + 1,
        }))!;
      }
      const saveOutputs = async (outputs: Record<string, unknown>) => {
        step.outputs = { ...step.outputs, ...outputs };
        await deps.pipelinesRepo.updateStep(pipeline.id, step.name, { outputs: step.outputs });
      };
      let outcome: StepOutcome;
      try {
        // Stored params name providers as plain strings; they were registered names when the pipeline was accepted.
        outcome = await deps
          .steps(saveOutputs)
          .run(pipeline.taskId, pipeline.params as StepParams, step, steps, pipeline.attempt);
      } catch (error) {
        if (error instanceof StepFailed || isLastAttempt) {
          await finishStep(pipeline, step, { failed: error instanceof Error ? error.message : String(error) });
          throw new StepFailed(error instanceof Error ? error.message : String(error));
        }
        throw error;
      }
      if (!outcome.done) {
        // A waiting step is woken by what it waits on, or looks again after the safety-net poll;
        // most looks change nothing worth a write.
        if (!isDeepStrictEqual({ ...step.outputs, ...outcome.outputs }, step.outputs))
          await saveOutputs(outcome.outputs);
        return { waitMs: outcome.waitMs };
      }
      await finishStep(pipeline, step, { outputs: outcome.outputs, costUsd: outcome.costUsd });
      return {};
    },
  };
};

export type PipelinesService = ReturnType<typeof pipelinesService>;
