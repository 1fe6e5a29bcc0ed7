import type { PredictionFilter, PredictionsRepository } from '../../db/repositories/predictions-repository.js';
import type { Split } from '../../domain/datasets/rows.js';
import { mergeFeedback } from '../../domain/datasets/feedback-merge.js';
import { idTime } from '../../domain/ids.js';
import { afterCursor, toPageBy } from '../../domain/pagination.js';
import { errors } from '../../errors.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import { findOr404 } from '../lookup.js';
import type { TasksService } from '../tasks-service.js';

// A prediction answered a moment ago may still be in some instance's write buffer: feedback on it
// waits this long for the record to land before calling the id unknown.
const RECENT_MS = 10_000;
const POLL_MS = 50;

/** Looking up predictions, taking feedback on them, and folding that feedback into a dataset. */
export const predictionsService = (deps: {
  predictionsRepo: Pick<PredictionsRepository, 'findById' | 'upsertFeedback' | 'list' | 'feedbackInputs'>;
  tasks: Pick<TasksService, 'get'>;
  datasets: Pick<DatasetsService, 'getVersion' | 'activeTaskOf' | 'getDataset' | 'deriveWith'>;
  flushMs: number;
}) => {
  /** The record, waiting a little for one answered a moment ago that the log has not written yet. */
  const findWaiting = async (id: string) => {
    const deadline = Math.min(idTime(id).getTime() + RECENT_MS, Date.now() + Math.max(2_000, deps.flushMs * 20));
    for (;;) {
      const found = await deps.predictionsRepo.findById(id);
      if (found || Date.now() >= deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const find = (id: string) => findOr404('prediction', id, findWaiting);

  return {
    get: find,

    async giveFeedback(id: string, input: { label: string; comment?: string }, actor: string) {
      const { prediction } = await find(id);
      const task = await deps.tasks.get(prediction.taskId);
      if (!task.labels.some((label) => label.name === input.label)) {
        throw errors.validation('The label is not one of the task\u2019s.', [
          {
            field: 'body.label',
            message: `is not a label of task "${task.slug}" (${task.labels.map((label) => label.name).join(', ')})`,
          },
        ]);
      }
      const feedback = await deps.predictionsRepo.upsertFeedback({
        predictionId: prediction.id,
        taskId: prediction.taskId,
        label: input.label,
        comment: input.comment ?? null,
        actor,
      });
      return { prediction, feedback };
    },

    async list(taskRef: string, filter: PredictionFilter, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      const found = await deps.predictionsRepo.list(task.id, filter, {
        limit: page.limit,
        after: afterCursor(page.cursor),
      });
      return toPageBy(found, page.limit, (row) => row.prediction.id);
    },

    /**
     * Predictions a cascade abstained on that nobody has labelled yet, newest first: feedback on
     * one (the true label) takes it out of the queue.
     */
    async reviewQueue(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      const found = await deps.predictionsRepo.list(
        task.id,
        { abstained: true, hasFeedback: false },
        { limit: page.limit, after: afterCursor(page.cursor) },
      );
      return toPageBy(found, page.limit, (row) => row.prediction.id);
    },

    /**
     * A new version of `versionId` with the task's production feedback folded in (label source
     * `feedback`): ready for the next labeling, training and evaluation round.
     */
    async mergeFeedback(versionId: string, options: { split: Split | null; since?: Date; until?: Date }) {
      const version = await deps.datasets.getVersion(versionId);
      const task = await deps.datasets.activeTaskOf(await deps.datasets.getDataset(version.datasetId));
      const feedback = await deps.predictionsRepo.feedbackInputs(task.id, options);
      if (feedback.length === 0) {
        throw errors.conflict(
          `Task "${task.slug}" has no feedback${options.since || options.until ? ' in that window' : ''} to merge.`,
        );
      }
      const params = {
        split: options.split,
        ...(options.since ? { since: options.since.toISOString() } : {}),
        ...(options.until ? { until: options.until.toISOString() } : {}),
      };
      return deps.datasets.deriveWith(version.id, 'merge_feedback', params, (rows) => {
        const merged = mergeFeedback(rows, feedback, { split: options.split });
        return { rows: merged.rows, report: { merge_feedback: merged.report } };
      });
    },
  };
};

export type PredictionsService = ReturnType<typeof predictionsService>;
