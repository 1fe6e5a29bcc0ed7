import { type JobCheckpoint, type JobEvent, type JobRecord, milestones, TERMINAL } from './fine-tuning-simulation.js';

/**
 * Jobs as the API shows them: `FinetuneResponseTruncated` (create, list, cancel) and
 * `FinetuneResponse` (retrieve), their events and checkpoints. Optional fields the job has no
 * value for are left out rather than null, since the spec types most of them without null.
 */

const iso = (ms: number): string => new Date(ms).toISOString();

/** Trained tokens, once the data has been read (from `running` on). */
function tokenCount(job: JobRecord): number {
  if (job.reportedTokenCount !== null) return job.reportedTokenCount;
  return job.statusSinceMs >= milestones(job).running || job.status === 'error'
    ? job.trainTokens * job.settings.nEpochs
    : 0;
}

/** Nanodollars, the unit Together's clients divide `total_price` by. */
function totalPrice(job: JobRecord): number {
  if (job.reportedTotalPrice !== null) return job.reportedTotalPrice;
  const tokens = job.trainTokens * job.settings.nEpochs + job.evalTokens * job.settings.nEvals;
  return tokenCount(job) === 0 ? 0 : Math.round(tokens * job.pricePerMillion * 1000);
}

function progress(job: JobRecord, now: number) {
  const at = milestones(job);
  const next = [at.queued, at.running, at.compressing, at.uploading, at.completed].find((ms) => ms > now);
  const available =
    !TERMINAL.has(job.status) && job.cancelRequestedAtMs === null && next !== undefined && Number.isFinite(next);
  return {
    estimate_available: available,
    seconds_remaining: available && next !== undefined ? Math.ceil((next - now) / 1000) : 0,
  };
}

/** The hyperparameters both shapes share. `train_on_inputs` is resolved: the spec types it boolean there. */
function parameters(job: JobRecord) {
  const s = job.settings;
  const method =
    s.trainingMethod.method === 'sft' ? { method: 'sft' as const, train_on_inputs: s.trainOnInputs } : s.trainingMethod;
  return {
    training_file: s.trainingFile.id,
    ...(s.validationFile ? { validation_file: s.validationFile.id } : {}),
    model: s.model.id,
    model_output_name: job.outputName,
    ...(s.suffix ? { suffix: s.suffix } : {}),
    n_epochs: s.nEpochs,
    n_checkpoints: s.nCheckpoints,
    n_evals: s.nEvals,
    batch_size: s.batchSize,
    learning_rate: s.learningRate,
    lr_scheduler: s.lrScheduler,
    warmup_ratio: s.warmupRatio,
    max_grad_norm: s.maxGradNorm,
    weight_decay: s.weightDecay,
    training_type: s.trainingType,
    training_method: method,
    ...(s.wandb ? { wandb_project_name: s.wandb.project, ...(s.wandb.name ? { wandb_name: s.wandb.name } : {}) } : {}),
    ...(s.fromCheckpoint ? { from_checkpoint: s.fromCheckpoint } : {}),
  };
}

export function truncatedJobObject(job: JobRecord, now: number, minimal: boolean) {
  const required = {
    id: job.id,
    status: job.status,
    created_at: iso(job.createdAtMs),
    updated_at: iso(job.updatedAtMs),
  };
  if (minimal) return required;
  return {
    ...required,
    started_at: iso(job.statusSinceMs),
    user_id: job.userId,
    owner_address: `${job.namespace}@example.com`,
    total_price: totalPrice(job),
    token_count: tokenCount(job),
    // As in the spec's example: the truncated object carries no events.
    events: [],
    ...parameters(job),
    packing: job.settings.packing,
    max_seq_length: job.settings.maxSeqLength,
    random_seed: job.settings.randomSeed,
    progress: progress(job, now),
  };
}

export function jobObject(job: JobRecord, now: number, minimal: boolean) {
  if (minimal) return { id: job.id, status: job.status };
  return {
    id: job.id,
    job_id: job.id,
    status: job.status,
    created_at: iso(job.createdAtMs),
    updated_at: iso(job.updatedAtMs),
    started_at: iso(job.statusSinceMs),
    user_id: job.userId,
    ...parameters(job),
    ...(job.status === 'completed' ? { model_output_path: job.outputPath } : {}),
    trainingfile_numlines: job.settings.trainingReport.nlines,
    trainingfile_size: job.settings.trainingFile.content?.length ?? 0,
    eval_steps: job.settings.nEvals > 0 ? Math.max(1, Math.floor(job.totalSteps / job.settings.nEvals)) : 0,
    train_on_inputs: job.settings.trainOnInputs,
    events: job.events.map((event) => eventObject(job, event)),
    token_count: tokenCount(job),
    param_count: Math.round(job.settings.model.paramsB * 1e9),
    total_price: totalPrice(job),
    epochs_completed: Math.floor(job.stepsDone / job.stepsPerEpoch),
    queue_depth: job.status === 'queued' ? (job.stuck ? 1 : 0) : 0,
    ...(job.settings.wandb
      ? {
          wandb_project_name: job.settings.wandb.project,
          wandb_url: `https://wandb.ai/fake/${job.settings.wandb.project}/runs/${job.id}`,
        }
      : {}),
    progress: progress(job, now),
  };
}

/** Every field the spec requires of `FineTuneEvent`, with the empty values Together sends when one does not apply. */
export function eventObject(job: JobRecord, event: JobEvent) {
  return {
    object: 'fine-tune-event' as const,
    created_at: iso(event.atMs),
    level: event.level,
    message: event.message,
    type: event.type,
    param_count: Math.round(job.settings.model.paramsB * 1e9),
    token_count:
      event.type === 'training_start' || event.type === 'job_complete' ? job.trainTokens * job.settings.nEpochs : 0,
    total_steps: job.totalSteps,
    wandb_url: job.settings.wandb ? `https://wandb.ai/fake/${job.settings.wandb.project}/runs/${job.id}` : '',
    step: event.step,
    checkpoint_path: event.checkpointPath,
    model_path: event.modelPath,
    training_offset: 0,
    hash: '',
  };
}

export const checkpointObject = (checkpoint: JobCheckpoint) => ({
  step: checkpoint.step,
  path: checkpoint.path,
  created_at: iso(checkpoint.atMs),
  checkpoint_type: checkpoint.type,
});
