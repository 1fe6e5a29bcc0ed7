import { ids, seededRandom } from './ids.js';
import type { JobTiming } from './options.js';
import {
  AUTO_LEARNING_RATE_MULTIPLIER,
  autoBatchSize,
  autoEpochs,
  exampleTokenCap,
  type DatasetAnalysis,
  type JobProblem,
} from './training-data.js';

/**
 * The fine-tuning job state machine, driven lazily by the clock:
 * validating_files → queued → running → succeeded | failed | cancelled (notes §3.4).
 * Every read calls `advanceJob`, which replays the transitions and events whose time has come,
 * each stamped with the time it happened, so a slow poller sees the same history as a fast one.
 */

export type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type AutoOr<T> = T | 'auto';

export interface Hyperparameters {
  n_epochs: AutoOr<number>;
  batch_size: AutoOr<number>;
  learning_rate_multiplier: AutoOr<number>;
}

export interface JobEvent {
  id: string;
  atMs: number;
  level: 'info' | 'warn' | 'error';
  type: 'message' | 'metrics';
  message: string;
  data: Record<string, unknown>;
}

export interface StepMetrics {
  step: number;
  train_loss: number;
  train_accuracy: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
}

export interface JobCheckpoint {
  id: string;
  atMs: number;
  step: number;
  modelName: string;
  metrics: Record<string, number>;
}

export interface JobRecord {
  id: string;
  createdAtMs: number;
  /** The resolved snapshot the job trains (echoed as `model`). */
  model: string;
  /** Base model used in the fine-tuned name: the snapshot, or the base of a continued fine-tune. */
  nameBase: string;
  organization: string;
  organizationSlug: string;
  trainingFile: string;
  validationFile: string | null;
  suffix: string | null;
  seed: number;
  methodType: 'supervised' | 'dpo' | 'reinforcement';
  requested: Hyperparameters;
  resolved: { n_epochs: number; batch_size: number; learning_rate_multiplier: number } | null;
  metadata: Record<string, string> | null;
  integrations: unknown[] | null;
  timing: JobTiming;
  training: DatasetAnalysis;
  validation: DatasetAnalysis | null;
  status: JobStatus;
  error: JobProblem | null;
  /** faults.failJobsWithoutError: a failed job shows `error: null`. */
  hideError: boolean;
  /** faults.trainedTokens: what a succeeded job reports, whatever it trained. */
  reportedTrainedTokens: number | null;
  finishedAtMs: number | null;
  estimatedFinishMs: number | null;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  resultFiles: string[];
  /** Oldest first; listed newest first. */
  events: JobEvent[];
  checkpoints: JobCheckpoint[];
  curve: StepMetrics[];
  stepsPerEpoch: number;
  stepsEmitted: number;
  modelSuffixId: string;
}

/** What advancing a job may do outside it. */
export interface JobEffects {
  createResultFile(job: JobRecord, base64Csv: string, atMs: number): string;
  registerModel(name: string, base: string, atMs: number, jobId: string): void;
}

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);
/** Keep event lists bounded for big jobs; the CSV still has every step. */
const MAX_STEP_EVENTS = 500;

export function addEvent(job: JobRecord, atMs: number, message: string, extra: Partial<JobEvent> = {}): void {
  job.events.push({ id: ids.event(), atMs, level: 'info', type: 'message', message, data: {}, ...extra });
}

export function jobCreatedEvents(job: JobRecord): void {
  addEvent(job, job.createdAtMs, `Created fine-tuning job: ${job.id}`);
  addEvent(
    job,
    job.createdAtMs,
    job.validationFile
      ? `Validating training file: ${job.trainingFile} and validation file: ${job.validationFile}`
      : `Validating training file: ${job.trainingFile}`,
  );
}

export function advanceJob(job: JobRecord, now: number, effects: JobEffects): void {
  if (TERMINAL.has(job.status)) return;
  const validatedAt = job.createdAtMs + job.timing.validatingMs;
  const startedAt = validatedAt + job.timing.queuedMs;
  const finishedAt = startedAt + job.timing.runningMs;
  if (now < validatedAt) return;

  if (job.status === 'validating_files') {
    const problem = job.training.problem ?? job.validation?.problem ?? null;
    if (problem) {
      addEvent(job, validatedAt, problem.message, { level: 'error' });
      job.status = 'failed';
      job.error = problem;
      job.finishedAtMs = validatedAt;
      return;
    }
    addEvent(job, validatedAt, 'Files validated, moving job to queued state');
    job.status = 'queued';
  }
  if (now < startedAt) return;

  if (job.status === 'queued') startRunning(job, startedAt, finishedAt);
  emitSteps(job, Math.min(now, finishedAt), startedAt, finishedAt);
  if (now >= finishedAt) succeed(job, finishedAt, effects);
}

function startRunning(job: JobRecord, startedAt: number, finishedAt: number): void {
  const examples = job.training.examples;
  const resolved = {
    n_epochs: job.requested.n_epochs === 'auto' ? autoEpochs(examples) : job.requested.n_epochs,
    batch_size: job.requested.batch_size === 'auto' ? autoBatchSize(examples) : job.requested.batch_size,
    learning_rate_multiplier:
      job.requested.learning_rate_multiplier === 'auto'
        ? AUTO_LEARNING_RATE_MULTIPLIER
        : job.requested.learning_rate_multiplier,
  };
  job.resolved = resolved;
  job.stepsPerEpoch = Math.max(1, Math.ceil(examples / resolved.batch_size));
  job.curve = lossCurve(job.stepsPerEpoch * resolved.n_epochs, job.seed, job.validation !== null);
  job.status = 'running';
  job.estimatedFinishMs = finishedAt;
  addEvent(job, startedAt, 'Fine-tuning job started');
}

function emitSteps(job: JobRecord, until: number, startedAt: number, finishedAt: number): void {
  const total = job.curve.length;
  const every = Math.max(1, Math.ceil(total / MAX_STEP_EVENTS));
  const span = finishedAt - startedAt;
  const epochs = job.resolved?.n_epochs ?? 1;
  while (job.stepsEmitted < total) {
    const step = job.stepsEmitted + 1;
    const atMs = startedAt + Math.floor((span * step) / total);
    if (atMs > until) break;
    job.stepsEmitted = step;
    const metrics = job.curve[step - 1];
    if (metrics && (step % every === 0 || step === total))
      addEvent(job, atMs, stepMessage(metrics, total), stepEvent(metrics, total));
    const epoch = step / job.stepsPerEpoch;
    // Like the real API, keep checkpoints of the last three epochs only.
    if (metrics && Number.isInteger(epoch) && epoch > epochs - 3) addCheckpoint(job, metrics, atMs);
  }
}

function addCheckpoint(job: JobRecord, metrics: StepMetrics, atMs: number): void {
  const modelName = `${fineTunedName(job)}:ckpt-step-${metrics.step}`;
  const valid = metrics.valid_loss ?? round(metrics.train_loss * 1.08);
  const validAccuracy = metrics.valid_mean_token_accuracy ?? round(Math.max(0, metrics.train_accuracy - 0.03));
  job.checkpoints.push({
    id: ids.checkpoint(),
    atMs,
    step: metrics.step,
    modelName,
    metrics: {
      step: metrics.step,
      train_loss: metrics.train_loss,
      train_mean_token_accuracy: metrics.train_accuracy,
      valid_loss: valid,
      valid_mean_token_accuracy: validAccuracy,
      full_valid_loss: round(valid * 1.02),
      full_valid_mean_token_accuracy: round(Math.max(0, validAccuracy - 0.01)),
    },
  });
  addEvent(job, atMs, `Checkpoint created at step ${metrics.step} with Snapshot ID: ${modelName}`);
}

function succeed(job: JobRecord, finishedAt: number, effects: JobEffects): void {
  const name = fineTunedName(job);
  const epochs = job.resolved?.n_epochs ?? 1;
  const cap = exampleTokenCap(job.model);
  job.trainedTokens =
    job.reportedTrainedTokens ?? job.training.tokens.reduce((sum, tokens) => sum + Math.min(cap, tokens), 0) * epochs;
  job.fineTunedModel = name;
  job.resultFiles = [
    effects.createResultFile(job, Buffer.from(stepMetricsCsv(job.curve)).toString('base64'), finishedAt),
  ];
  effects.registerModel(name, job.nameBase, finishedAt, job.id);
  addEvent(job, finishedAt, `New fine-tuned model created: ${name}`);
  addEvent(job, finishedAt, 'The job has successfully completed');
  job.status = 'succeeded';
  job.finishedAtMs = finishedAt;
  job.estimatedFinishMs = null;
}

export function cancelJob(job: JobRecord, now: number): void {
  job.status = 'cancelled';
  job.estimatedFinishMs = null;
  addEvent(job, now, 'Fine-tuning job cancelled');
}

export const fineTunedName = (job: JobRecord): string =>
  `ft:${job.nameBase}:${job.organizationSlug}:${job.suffix ?? ''}:${job.modelSuffixId}`;

function stepMessage(metrics: StepMetrics, total: number): string {
  const valid = metrics.valid_loss !== undefined ? `, validation loss=${metrics.valid_loss.toFixed(2)}` : '';
  return `Step ${metrics.step}/${total}: training loss=${metrics.train_loss.toFixed(2)}${valid}`;
}

function stepEvent(metrics: StepMetrics, total: number): Partial<JobEvent> {
  const data: Record<string, unknown> = {
    step: metrics.step,
    train_loss: metrics.train_loss,
    train_mean_token_accuracy: metrics.train_accuracy,
    total_steps: total,
  };
  if (metrics.valid_loss !== undefined) {
    data['valid_loss'] = metrics.valid_loss;
    data['valid_mean_token_accuracy'] = metrics.valid_mean_token_accuracy;
  }
  return { type: 'metrics', data };
}

/** A plausible, reproducible curve: loss decays from ~1.6 towards ~0.1 with noise. */
function lossCurve(total: number, seed: number, withValidation: boolean): StepMetrics[] {
  const random = seededRandom(seed);
  const validEvery = Math.max(1, Math.floor(total / 10));
  return Array.from({ length: total }, (_, index) => {
    const step = index + 1;
    const progress = step / total;
    const loss = Math.max(0.01, 0.08 + 1.5 * Math.exp(-4 * progress) + (random() - 0.5) * 0.15);
    const accuracy = Math.min(1, Math.max(0, 1 - loss / 1.7 + (random() - 0.5) * 0.05));
    const metrics: StepMetrics = { step, train_loss: round(loss), train_accuracy: round(accuracy) };
    if (withValidation && (step % validEvery === 0 || step === total)) {
      metrics.valid_loss = round(loss * (1.05 + random() * 0.1));
      metrics.valid_mean_token_accuracy = round(Math.max(0, accuracy - random() * 0.05));
    }
    return metrics;
  });
}

export function stepMetricsCsv(curve: StepMetrics[]): string {
  const rows = curve.map((m) =>
    [m.step, m.train_loss, m.train_accuracy, m.valid_loss ?? '', m.valid_mean_token_accuracy ?? ''].join(','),
  );
  return `${['step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy', ...rows].join('\n')}\n`;
}

const round = (value: number): number => Math.round(value * 1e5) / 1e5;
