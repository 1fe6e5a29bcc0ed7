import {
  type FineTunableModel,
  LEARNING_RATE_RANGE,
  LORA_TARGET_MODULES,
  MAX_CHECKPOINTS,
  MAX_EPOCHS,
  MAX_EVALS,
} from './catalogue.js';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import type { FileRecord } from './state.js';
import type { ValidationReport } from './training-data.js';
import {
  type Body,
  optionalBoolean,
  optionalEnum,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredString,
} from './validation.js';

/**
 * `POST /v1/fine-tunes` and `/estimate-price` bodies, checked against the spec's request schema
 * and the model's limits (`GET /v1/fine-tunes/models/limits`), with the spec's defaults filled in.
 * Every refusal is a synchronous 400 naming the parameter.
 */

export type TrainingType =
  | { type: 'Full' }
  | { type: 'Lora'; lora_r: number; lora_alpha: number; lora_dropout: number; lora_trainable_modules: string };

export type TrainingMethod =
  | { method: 'sft'; train_on_inputs: boolean | 'auto' }
  | {
      method: 'dpo';
      dpo_beta: number;
      rpo_alpha: number;
      dpo_normalize_logratios_by_length: boolean;
      dpo_reference_free: boolean;
      simpo_gamma: number;
    };

export interface LrScheduler {
  lr_scheduler_type: 'linear' | 'cosine';
  lr_scheduler_args: { min_lr_ratio: number; num_cycles?: number };
}

export interface JobSettings {
  model: FineTunableModel;
  trainingFile: FileRecord;
  trainingReport: ValidationReport;
  validationFile: FileRecord | null;
  validationReport: ValidationReport | null;
  nEpochs: number;
  nCheckpoints: number;
  nEvals: number;
  batchSize: number;
  learningRate: number;
  lrScheduler: LrScheduler;
  warmupRatio: number;
  maxGradNorm: number;
  weightDecay: number;
  suffix: string | null;
  trainingType: TrainingType;
  trainingMethod: TrainingMethod;
  /** `train_on_inputs` resolved: 'auto' masks the inputs of conversational and instruction data. */
  trainOnInputs: boolean;
  randomSeed: number | null;
  packing: boolean;
  maxSeqLength: number;
  wandb: { project: string; name: string | null } | null;
  fromCheckpoint: string | null;
}

const SUFFIX = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export function parseJobSettings(
  ctx: FakeContext,
  body: Body,
  resolveCheckpoint: (reference: string) => string,
): JobSettings {
  const modelName = requiredString(body, 'model');
  const model = ctx.models.fineTunable(modelName);
  if (!model) throw errors.notFineTunable(modelName);
  const trainingType = parseTrainingType(body, model);
  const trainingMethod = parseTrainingMethod(body);
  const training = readyFile(ctx, requiredString(body, 'training_file'), 'training_file');
  const validationId = optionalString(body, 'validation_file');
  const validation = validationId === null ? null : readyFile(ctx, validationId, 'validation_file');
  const preference = training.report.datasetFormat === 'preference_openai';
  if (trainingMethod.method === 'dpo' && !preference) {
    throw errors.invalidRequest(
      'DPO training needs a preference dataset (input, preferred_output, non_preferred_output).',
      'training_method',
    );
  }
  if (trainingMethod.method === 'sft' && preference) {
    throw errors.invalidRequest(
      'The training file is a preference dataset; use training_method { method: "dpo" } for it.',
      'training_method',
    );
  }

  const nEpochs = optionalNumber(body, 'n_epochs', { min: 1, max: MAX_EPOCHS, integer: true }) ?? 1;
  const nCheckpoints =
    optionalNumber(body, 'n_checkpoints', { min: 1, max: Math.min(MAX_CHECKPOINTS, nEpochs), integer: true }) ?? 1;
  const nEvals = optionalNumber(body, 'n_evals', { min: 0, max: MAX_EVALS, integer: true }) ?? 0;
  if (nEvals > 0 && !validation)
    throw errors.invalidRequest('n_evals > 0 needs a validation_file to evaluate on.', 'n_evals');
  const suffix = optionalString(body, 'suffix');
  if (suffix !== null && !SUFFIX.test(suffix)) {
    throw errors.invalidRequest(
      'suffix must be 1 to 40 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      'suffix',
      'invalid_value',
    );
  }
  const fromCheckpoint = optionalString(body, 'from_checkpoint');
  if (fromCheckpoint !== null && resolveCheckpoint(fromCheckpoint) !== model.id) {
    throw errors.invalidRequest(
      `from_checkpoint ${fromCheckpoint} was trained from another base model than ${model.id}.`,
      'from_checkpoint',
    );
  }
  const wandbKey = optionalString(body, 'wandb_api_key');
  return {
    model,
    trainingFile: training.file,
    trainingReport: training.report,
    validationFile: validation?.file ?? null,
    validationReport: validation?.report ?? null,
    nEpochs,
    nCheckpoints,
    nEvals,
    batchSize: parseBatchSize(body, model, trainingType, trainingMethod),
    learningRate:
      optionalNumber(body, 'learning_rate', { min: LEARNING_RATE_RANGE.min, max: LEARNING_RATE_RANGE.max }) ?? 0.00001,
    lrScheduler: parseScheduler(body),
    warmupRatio: optionalNumber(body, 'warmup_ratio', { min: 0, max: 1 }) ?? 0,
    maxGradNorm: optionalNumber(body, 'max_grad_norm', { min: 0 }) ?? 1,
    weightDecay: optionalNumber(body, 'weight_decay', { min: 0 }) ?? 0,
    suffix,
    trainingType,
    trainingMethod,
    trainOnInputs: resolveTrainOnInputs(body, trainingMethod, training.report),
    randomSeed: optionalNumber(body, 'random_seed', { integer: true }),
    packing: optionalBoolean(body, 'packing') ?? true,
    maxSeqLength:
      optionalNumber(body, 'max_seq_length', { min: 512, max: model.contextLength, integer: true }) ??
      Math.min(model.contextLength, 32768),
    wandb:
      wandbKey === null
        ? null
        : {
            project: optionalString(body, 'wandb_project_name') ?? 'together',
            name: optionalString(body, 'wandb_name'),
          },
    fromCheckpoint,
  };
}

/** A file a job can train on: uploaded for fine-tuning, its content arrived, processed and valid. */
export function readyFile(ctx: FakeContext, id: string, param: string): { file: FileRecord; report: ValidationReport } {
  const file = ctx.state.files.get(id);
  if (!file) throw errors.invalidRequest(`File ${id} not found.`, param, 'file_not_found');
  if (file.purpose !== 'fine-tune')
    throw errors.invalidRequest(`File ${id} has purpose ${file.purpose}; fine-tuning needs purpose fine-tune.`, param);
  if (file.content === null || ctx.now() < file.processedAtMs || !file.report) {
    throw errors.invalidRequest(
      `File ${id} is still being processed. Please try again later.`,
      param,
      'file_not_ready',
    );
  }
  if (!file.report.valid)
    throw errors.invalidRequest(
      `File ${id} is not a valid fine-tuning file: ${file.report.error}`,
      param,
      'invalid_file_format',
    );
  return { file, report: file.report };
}

export function parseTrainingType(body: Body, model: FineTunableModel): TrainingType {
  const raw = optionalObject(body, 'training_type');
  const type = raw === null ? 'Lora' : optionalEnum(raw, 'type', ['Full', 'Lora'] as const, 'training_type.type');
  if (type === null) throw errors.missingParameter('training_type.type');
  if (type === 'Full') {
    if (!model.supportsFullTraining)
      throw errors.invalidRequest(`Full training is not supported for ${model.id}; use LoRA.`, 'training_type');
    return { type };
  }
  const fields = raw ?? {};
  // Like the official clients: the rank defaults to the model's maximum, alpha to twice the rank.
  const rank = optionalNumber(
    fields,
    'lora_r',
    { min: 1, max: model.lora.maxRank, integer: true },
    'training_type.lora_r',
  );
  if (raw !== null && rank === null) throw errors.missingParameter('training_type.lora_r');
  const loraR = rank ?? model.lora.maxRank;
  const alpha = optionalNumber(fields, 'lora_alpha', { min: 1, integer: true }, 'training_type.lora_alpha');
  if (raw !== null && alpha === null) throw errors.missingParameter('training_type.lora_alpha');
  const modules =
    optionalString(fields, 'lora_trainable_modules', 'training_type.lora_trainable_modules') ?? 'all-linear';
  const unknown =
    modules === 'all-linear'
      ? []
      : modules
          .split(',')
          .map((name) => name.trim())
          .filter((name) => !LORA_TARGET_MODULES.includes(name));
  if (unknown.length > 0) {
    throw errors.invalidRequest(
      `Unknown LoRA target modules: ${unknown.join(', ')}. Available: all-linear or ${LORA_TARGET_MODULES.join(', ')}.`,
      'training_type.lora_trainable_modules',
    );
  }
  return {
    type,
    lora_r: loraR,
    lora_alpha: alpha ?? loraR * 2,
    lora_dropout: optionalNumber(fields, 'lora_dropout', { min: 0, max: 1 }, 'training_type.lora_dropout') ?? 0,
    lora_trainable_modules: modules,
  };
}

export function parseTrainingMethod(body: Body): TrainingMethod {
  const raw = optionalObject(body, 'training_method');
  const method = raw === null ? 'sft' : optionalEnum(raw, 'method', ['sft', 'dpo'] as const, 'training_method.method');
  if (method === null) throw errors.missingParameter('training_method.method');
  const fields = raw ?? {};
  if (method === 'sft') {
    const value = fields['train_on_inputs'] ?? body['train_on_inputs'] ?? 'auto';
    if (value !== 'auto' && typeof value !== 'boolean')
      throw errors.invalidType('training_method.train_on_inputs', "a boolean or 'auto'");
    return { method, train_on_inputs: value };
  }
  const number = (key: string, fallback: number, limits: { min?: number; max?: number } = {}) =>
    optionalNumber(fields, key, limits, `training_method.${key}`) ?? fallback;
  const flag = (key: string) => optionalBoolean(fields, key, `training_method.${key}`) ?? false;
  return {
    method,
    dpo_beta: number('dpo_beta', 0.1, { min: 0 }),
    rpo_alpha: number('rpo_alpha', 0, { min: 0 }),
    dpo_normalize_logratios_by_length: flag('dpo_normalize_logratios_by_length'),
    dpo_reference_free: flag('dpo_reference_free'),
    simpo_gamma: number('simpo_gamma', 0, { min: 0 }),
  };
}

function parseBatchSize(body: Body, model: FineTunableModel, type: TrainingType, method: TrainingMethod): number {
  const limits = type.type === 'Full' ? model.full : model.lora;
  const max = method.method === 'dpo' ? limits.maxBatchDpo : limits.maxBatch;
  const value = body['batch_size'];
  if (value === undefined || value === null || value === 'max') return max;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw errors.invalidType('batch_size', "an integer or 'max'");
  if (value < limits.minBatch || value > max) throw errors.outOfRange('batch_size', limits.minBatch, max, value);
  return value;
}

function parseScheduler(body: Body): LrScheduler {
  const raw = optionalObject(body, 'lr_scheduler');
  if (raw === null) return { lr_scheduler_type: 'linear', lr_scheduler_args: { min_lr_ratio: 0 } };
  const type = optionalEnum(raw, 'lr_scheduler_type', ['linear', 'cosine'] as const, 'lr_scheduler.lr_scheduler_type');
  if (type === null) throw errors.missingParameter('lr_scheduler.lr_scheduler_type');
  const args = optionalObject(raw, 'lr_scheduler_args', 'lr_scheduler.lr_scheduler_args') ?? {};
  const minLrRatio =
    optionalNumber(args, 'min_lr_ratio', { min: 0, max: 1 }, 'lr_scheduler.lr_scheduler_args.min_lr_ratio') ?? 0;
  if (type === 'linear') return { lr_scheduler_type: type, lr_scheduler_args: { min_lr_ratio: minLrRatio } };
  const cycles =
    optionalNumber(args, 'num_cycles', { min: 0, exclusiveMin: true }, 'lr_scheduler.lr_scheduler_args.num_cycles') ??
    0.5;
  return { lr_scheduler_type: type, lr_scheduler_args: { min_lr_ratio: minLrRatio, num_cycles: cycles } };
}

function resolveTrainOnInputs(body: Body, method: TrainingMethod, report: ValidationReport): boolean {
  const requested = method.method === 'sft' ? method.train_on_inputs : (body['train_on_inputs'] ?? 'auto');
  if (typeof requested === 'boolean') return requested;
  return report.datasetFormat === 'general';
}
