import { daysUntil } from '../model-lifecycle.js';

/**
 * A task's `on_shutdown` policy: when the champion's model (for a fine-tune, its base model) is
 * within `daysBefore` days of its shutdown date, retrain on `retrainWith` and let the usual
 * promotion rules decide. Stored with the routing policy (task_routing.on_shutdown).
 */
export interface OnShutdownPolicy {
  retrainWith: { provider: string; baseModel: string };
  daysBefore: number;
}

export const ON_SHUTDOWN_MAX_DAYS = 365;

/** Why a pipeline was started by Tuneline rather than asked for; stored with it (pipelines.origin). */
export interface PipelineOrigin {
  trigger: 'on_shutdown';
  /** The champion being replaced, and what said its model goes when. */
  championId: string;
  championModel: string;
  shutdownDate: string;
  shutdownSource: 'table' | 'provider';
  daysBefore: number;
}

/**
 * One retrain per task and shutdown date, however often the check runs: the key its pipeline is
 * stored under (pipelines.origin_key is unique).
 */
export const retrainKey = (taskId: string, shutdownDate: string): string => `on_shutdown:${taskId}:${shutdownDate}`;

/**
 * Whether a champion whose model shuts down on `shutdownDate` is due for its retrain on `today`:
 * from `daysBefore` days ahead on (a date already past still is: the champion is going or gone).
 */
export function retrainDue(
  policy: OnShutdownPolicy,
  shutdownDate: string,
  today: string,
): { due: boolean; daysLeft: number } {
  const daysLeft = daysUntil(shutdownDate, today);
  return { due: daysLeft <= policy.daysBefore, daysLeft };
}

/** The routing history's reason for a retrain request. */
export const retrainReason = (origin: PipelineOrigin, policy: OnShutdownPolicy): string =>
  `champion ${origin.championModel} shuts down ${origin.shutdownDate} (within ${policy.daysBefore} days); retraining on ${policy.retrainWith.provider}/${policy.retrainWith.baseModel}`;
