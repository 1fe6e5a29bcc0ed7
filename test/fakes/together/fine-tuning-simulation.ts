import { seededRandom } from '../shared/random.js';
import type { FineTunedModelRecord } from './state.js';
import type { JobSettings } from './fine-tuning-params.js';
import type { JobTiming } from './options.js';

/**
 * The fine-tuning job state machine, driven lazily by the clock, along the spec's status enum:
 * pending → queued → running → compressing → uploading → completed, or error (a failed job), or
 * cancel_requested → cancelled. Every read calls `advanceJob`, which replays what has come due,
 * each event stamped with the time it happened, so a slow poller sees the history a fast one
 * does. Event texts are the ones Together's own sample event log shows; the loss curve is in the
 * job's metrics (`GET /fine-tunes/{id}/metrics`), not in the events, as on Together.
 */

export type JobStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'compressing'
  | 'uploading'
  | 'cancel_requested'
  | 'cancelled'
  | 'error'
  | 'completed';

export type EventType =
  | 'job_pending'
  | 'job_start'
  | 'job_stopped'
  | 'model_download_complete'
  | 'training_data_download_complete'
  | 'validation_data_download_complete'
  | 'wandb_init'
  | 'training_start'
  | 'checkpoint_save'
  | 'epoch_complete'
  | 'training_complete'
  | 'model_compressing'
  | 'model_compression_complete'
  | 'model_uploading'
  | 'model_upload_complete'
  | 'job_complete'
  | 'job_error'
  | 'cancel_requested';

export interface JobEvent {
  atMs: number;
  type: EventType;
  level: 'info' | 'warning' | 'error';
  message: string;
  step: number;
  checkpointPath: string;
  modelPath: string;
}

export interface MetricPoint {
  atMs: number;
  values: Record<string, number>;
}

export interface JobCheckpoint {
  atMs: number;
  step: number;
  path: string;
  type: 'Intermediate' | 'Final';
}

export interface JobRecord {
  id: string;
  createdAtMs: number;
  userId: string;
  namespace: string;
  settings: JobSettings;
  outputName: string;
  outputPath: string;
  timing: JobTiming;
  status: JobStatus;
  /** When the current status began: the spec's `started_at` ("start of the current stage"). */
  statusSinceMs: number;
  updatedAtMs: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Trained tokens per epoch, and validation tokens per evaluation. */
  trainTokens: number;
  evalTokens: number;
  pricePerMillion: number;
  /** faults.failJobs at creation: the message of the error training will end in. */
  failure: string | null;
  /** faults.stuckJobs at creation. */
  stuck: boolean;
  reportedTokenCount: number | null;
  reportedTotalPrice: number | null;
  cancelRequestedAtMs: number | null;
  events: JobEvent[];
  checkpoints: JobCheckpoint[];
  metrics: MetricPoint[];
  stepsDone: number;
  seed: number;
}

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'cancelled', 'error']);

export interface JobEffects {
  registerModel(model: FineTunedModelRecord): void;
}

export function addEvent(
  job: JobRecord,
  atMs: number,
  type: EventType,
  message: string,
  extra: Partial<JobEvent> = {},
): void {
  job.events.push({ atMs, type, level: 'info', message, step: 0, checkpointPath: '', modelPath: '', ...extra });
  job.updatedAtMs = Math.max(job.updatedAtMs, atMs);
}

function enter(job: JobRecord, status: JobStatus, atMs: number): void {
  job.status = status;
  job.statusSinceMs = atMs;
  job.updatedAtMs = Math.max(job.updatedAtMs, atMs);
}

/** Stage boundaries, from creation. */
export function milestones(job: JobRecord) {
  const { pendingMs, queuedMs, runningMs, compressingMs, uploadingMs } = job.timing;
  const queued = job.createdAtMs + pendingMs;
  const running = job.stuck ? Infinity : queued + queuedMs;
  const compressing = running + runningMs;
  const uploading = compressing + compressingMs;
  return { queued, running, compressing, uploading, completed: uploading + uploadingMs };
}

export function advanceJob(job: JobRecord, now: number, effects: JobEffects): void {
  if (TERMINAL.has(job.status)) return;
  const at = milestones(job);
  const until = job.cancelRequestedAtMs === null ? now : Math.min(now, job.cancelRequestedAtMs);
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const model = job.settings.model.id;

  if (job.status === 'pending' && until >= at.queued) enter(job, 'queued', at.queued);
  if (job.status === 'queued' && until >= at.running) {
    enter(job, 'running', at.running);
    addEvent(job, at.running, 'job_start', `Job started at ${iso(at.running)}`);
    addEvent(job, at.running, 'model_download_complete', `Model data downloaded for ${model} at ${iso(at.running)}`);
    addEvent(job, at.running, 'training_data_download_complete', `Data downloaded for ${model} at ${iso(at.running)}`);
    if (job.settings.validationFile)
      addEvent(
        job,
        at.running,
        'validation_data_download_complete',
        `Validation data downloaded for ${model} at ${iso(at.running)}`,
      );
    if (job.settings.wandb) addEvent(job, at.running, 'wandb_init', 'WandB run initialized.');
    if (job.failure !== null) {
      addEvent(job, at.running, 'job_error', job.failure, { level: 'error' });
      enter(job, 'error', at.running);
      return;
    }
    addEvent(job, at.running, 'training_start', `Training started for model ${model}`);
  }
  if (job.status === 'running') {
    trainUntil(job, Math.min(until, at.compressing), at.running, at.compressing);
    if (until >= at.compressing) {
      addEvent(job, at.compressing, 'training_complete', `Training completed for ${model} at ${iso(at.compressing)}`);
      enter(job, 'compressing', at.compressing);
      addEvent(job, at.compressing, 'model_compressing', 'Compressing output model');
    }
  }
  if (job.status === 'compressing' && until >= at.uploading) {
    addEvent(job, at.uploading, 'model_compression_complete', 'Model compression complete');
    enter(job, 'uploading', at.uploading);
    addEvent(job, at.uploading, 'model_uploading', 'Uploading output model');
  }
  if (job.status === 'uploading' && until >= at.completed) {
    addEvent(job, at.completed, 'model_upload_complete', 'Model upload complete', { modelPath: job.outputPath });
    job.checkpoints.push({ atMs: at.completed, step: job.totalSteps, path: job.outputPath, type: 'Final' });
    effects.registerModel({ name: job.outputName, base: model, jobId: job.id, createdAtMs: at.completed });
    addEvent(job, at.completed, 'job_complete', `Job finished at ${iso(at.completed)}`);
    enter(job, 'completed', at.completed);
  }
  if (job.cancelRequestedAtMs !== null && job.status !== 'completed') {
    if (job.status !== 'cancel_requested') enter(job, 'cancel_requested', job.cancelRequestedAtMs);
    const cancelledAt = job.cancelRequestedAtMs + job.timing.cancellingMs;
    if (now >= cancelledAt) {
      addEvent(job, cancelledAt, 'job_stopped', `Job stopped at ${iso(cancelledAt)}`);
      enter(job, 'cancelled', cancelledAt);
    }
  }
}

export function requestCancel(job: JobRecord, now: number): void {
  job.cancelRequestedAtMs = now;
  addEvent(job, now, 'cancel_requested', 'Cancel requested');
}

/** Training steps due by `until`: metrics every step, an event per epoch, intermediate checkpoints. */
function trainUntil(job: JobRecord, until: number, startedAt: number, endsAt: number): void {
  const { nEpochs, nCheckpoints, nEvals, validationFile } = job.settings;
  const every = Math.max(1, Math.floor(nEpochs / nCheckpoints));
  const evalEvery = nEvals > 0 && validationFile ? Math.max(1, Math.floor(job.totalSteps / nEvals)) : 0;
  while (job.stepsDone < job.totalSteps) {
    const step = job.stepsDone + 1;
    // Seeded per step, so the curve is the same however the polls split the run.
    const random = seededRandom(job.seed ^ Math.imul(step, 0x9e3779b1));
    const atMs = startedAt + Math.floor(((endsAt - startedAt) * step) / job.totalSteps);
    if (atMs > until) break;
    job.stepsDone = step;
    const progress = step / job.totalSteps;
    const loss = round(Math.max(0.01, 0.1 + 1.6 * Math.exp(-3.5 * progress) + (random() - 0.5) * 0.12));
    const values: Record<string, number> = {
      global_step: step,
      epoch: round(step / job.stepsPerEpoch),
      train_loss: loss,
      learning_rate: learningRateAt(job, step),
    };
    if (evalEvery && (step % evalEvery === 0 || step === job.totalSteps))
      values['eval_loss'] = round(loss * (1.05 + random() * 0.1));
    job.metrics.push({ atMs, values });
    job.updatedAtMs = Math.max(job.updatedAtMs, atMs);
    const epoch = step / job.stepsPerEpoch;
    if (!Number.isInteger(epoch)) continue;
    addEvent(job, atMs, 'epoch_complete', `Epoch completed, at step ${step}`, { step });
    if (epoch < nEpochs && epoch % every === 0 && job.checkpoints.length < nCheckpoints - 1) {
      const path = `${job.outputPath}/checkpoint-${step}`;
      job.checkpoints.push({ atMs, step, path, type: 'Intermediate' });
      addEvent(job, atMs, 'checkpoint_save', `Checkpoint saved at step ${step}`, { step, checkpointPath: path });
    }
  }
}

/**
 * The rate an update uses, schedulers as in Hugging Face's trainer: warm-up from 0 over
 * `warmup_ratio` of the steps, then linear or cosine decay towards `min_lr_ratio` of the peak.
 */
function learningRateAt(job: JobRecord, step: number): number {
  const { learningRate, warmupRatio, lrScheduler } = job.settings;
  const done = step - 1;
  const warmup = Math.floor(job.totalSteps * warmupRatio);
  if (done < warmup) return learningRate * (done / warmup);
  const progress = (done - warmup) / Math.max(1, job.totalSteps - warmup);
  const floor = lrScheduler.lr_scheduler_args.min_lr_ratio;
  const shape =
    lrScheduler.lr_scheduler_type === 'cosine'
      ? 0.5 * (1 + Math.cos(Math.PI * 2 * (lrScheduler.lr_scheduler_args.num_cycles ?? 0.5) * progress))
      : 1 - progress;
  return learningRate * (floor + (1 - floor) * shape);
}

const round = (value: number): number => Math.round(value * 1e5) / 1e5;
