import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FINE_TUNABLE_MODELS, fineTunePricePerMillion, limitsObject } from './catalogue.js';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import { parseJobSettings, parseTrainingMethod, parseTrainingType } from './fine-tuning-params.js';
import { checkpointObject, eventObject, jobObject, truncatedJobObject } from './fine-tuning-objects.js';
import {
  addEvent,
  advanceJob,
  type JobEffects,
  type JobRecord,
  requestCancel,
  TERMINAL,
} from './fine-tuning-simulation.js';
import { bodyObject, optionalNumber, optionalString } from './validation.js';

/**
 * `/v1/fine-tunes…`: create, list, retrieve, delete, cancel, events, checkpoints, metrics, price
 * estimates, and the supported models with their limits.
 */

type Query = Record<string, string | undefined>;

export interface FineTuning {
  /** Brings every unfinished job up to the current time. */
  advanceAll(): void;
}

export function fineTuningRoutes(app: FastifyInstance, ctx: FakeContext): FineTuning {
  const effects: JobEffects = { registerModel: (model) => ctx.state.fineTunedModels.set(model.name, model) };
  const advance = (job: JobRecord): JobRecord => {
    advanceJob(job, ctx.now(), effects);
    return job;
  };
  const findJob = (id: string): JobRecord => {
    const job = ctx.state.jobs.get(id);
    if (!job) throw errors.notFound('Fine-tune job', id);
    return advance(job);
  };
  const minimal = () => ctx.options().faults.minimalJobs === true;

  app.post('/fine-tunes', async (request) =>
    truncatedJobObject(
      createJob(ctx, request, (reference) => checkpointBase(ctx, reference)),
      ctx.now(),
      minimal(),
    ),
  );

  app.get('/fine-tunes', async () => ({
    data: [...ctx.state.jobs.values()].reverse().map((job) => truncatedJobObject(advance(job), ctx.now(), minimal())),
  }));

  app.get('/fine-tunes/models/supported', async () => ({
    models: FINE_TUNABLE_MODELS.map((model) => model.id).filter((id) => ctx.models.fineTunable(id)),
  }));

  app.get<{ Querystring: Query }>('/fine-tunes/models/limits', async (request) => {
    const name = request.query['model_name'];
    if (!name) throw errors.missingParameter('model_name');
    const model = ctx.models.fineTunable(name);
    if (!model) throw errors.noLimits(name);
    return limitsObject(model);
  });

  app.post('/fine-tunes/estimate-price', async (request) => estimatePrice(ctx, request));

  app.get<{ Params: { id: string } }>('/fine-tunes/:id', async (request) =>
    jobObject(findJob(request.params.id), ctx.now(), minimal()),
  );

  app.delete<{ Params: { id: string } }>('/fine-tunes/:id', async (request) => {
    const job = findJob(request.params.id);
    if (!TERMINAL.has(job.status))
      throw errors.invalidRequest(`Fine-tune job ${job.id} is ${job.status}; cancel it before deleting it.`, 'id');
    ctx.state.jobs.delete(job.id);
    return { message: `Fine-tune job ${job.id} deleted.` };
  });

  app.post<{ Params: { id: string } }>('/fine-tunes/:id/cancel', async (request) => {
    const job = findJob(request.params.id);
    if (TERMINAL.has(job.status))
      throw errors.invalidRequest(`Fine-tune job ${job.id} is already ${job.status}; it cannot be cancelled.`, 'id');
    if (job.cancelRequestedAtMs === null) requestCancel(job, ctx.now());
    return truncatedJobObject(advance(job), ctx.now(), minimal());
  });

  app.get<{ Params: { id: string } }>('/fine-tunes/:id/events', async (request) => {
    const job = findJob(request.params.id);
    return { data: job.events.map((event) => eventObject(job, event)) };
  });

  app.get<{ Params: { id: string } }>('/fine-tunes/:id/checkpoints', async (request) => {
    const job = findJob(request.params.id);
    return { data: [...job.checkpoints].reverse().map(checkpointObject) };
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/fine-tunes/:id/metrics', async (request) => {
    const job = findJob(request.params.id);
    // The spec puts these filters in a GET body; the SDK sends them as query parameters. Both work.
    const filters = { ...(bodyObject(request.body) as Query), ...request.query };
    const stepFrom = Number(filters['global_step_from'] ?? -Infinity);
    const stepTo = Number(filters['global_step_to'] ?? Infinity);
    const from = filters['logged_at_from'] ? Date.parse(filters['logged_at_from']) : -Infinity;
    const to = filters['logged_at_to'] ? Date.parse(filters['logged_at_to']) : Infinity;
    if ([stepFrom, stepTo, from, to].some(Number.isNaN))
      throw errors.invalidRequest('Invalid metrics filter: steps must be integers, times ISO-8601.');
    const metrics = job.metrics.filter((point) => {
      const step = point.values['global_step'] ?? 0;
      return step >= stepFrom && step <= stepTo && point.atMs >= from && point.atMs <= to;
    });
    return { metrics: metrics.map((point) => point.values) };
  });

  return {
    advanceAll() {
      for (const job of ctx.state.jobs.values()) if (!TERMINAL.has(job.status)) advance(job);
    },
  };
}

function createJob(
  ctx: FakeContext,
  request: FastifyRequest,
  resolveCheckpoint: (reference: string) => string,
): JobRecord {
  const settings = parseJobSettings(ctx, bodyObject(request.body), resolveCheckpoint);
  const options = ctx.options();
  const now = ctx.now();
  const id = options.jobIds === 'uuid' ? randomUUID() : `ft-${randomUUID()}`;
  const shortName = settings.model.id.split('/').at(-1) ?? settings.model.id;
  const outputName = `${options.namespace}/${shortName}-${settings.suffix ? `${settings.suffix}-` : ''}${randomBytes(4).toString('hex')}`;
  const examples = Math.max(1, settings.trainingReport.nlines);
  const stepsPerEpoch = Math.max(1, Math.ceil(examples / settings.batchSize));
  const sum = (tokens: number[] | undefined) => (tokens ?? []).reduce((total, count) => total + count, 0);
  const faults = options.faults;
  const job: JobRecord = {
    id,
    createdAtMs: now,
    userId: options.userId,
    namespace: options.namespace,
    settings,
    outputName,
    outputPath: `s3://together-fake/finetune/${id}/${outputName}`,
    timing: options.jobTiming,
    status: 'pending',
    statusSinceMs: now,
    updatedAtMs: now,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * settings.nEpochs,
    trainTokens: sum(settings.trainingReport.tokens),
    evalTokens: sum(settings.validationReport?.tokens),
    pricePerMillion: fineTunePricePerMillion(
      settings.model.paramsB,
      settings.trainingMethod.method,
      settings.trainingType.type,
    ),
    failure: faults.failJobs?.message ?? null,
    stuck: faults.stuckJobs === true,
    reportedTokenCount: faults.tokenCount ?? null,
    reportedTotalPrice: faults.totalPrice ?? null,
    cancelRequestedAtMs: null,
    events: [],
    checkpoints: [],
    metrics: [],
    stepsDone: 0,
    seed: settings.randomSeed ?? options.seed ?? Math.floor(Math.random() * 2 ** 31),
  };
  addEvent(job, now, 'job_pending', 'Fine tune request created');
  ctx.state.jobs.set(id, job);
  return job;
}

/**
 * The base model of a `from_checkpoint` reference: `{job id}` or `{output name}`, optionally
 * `:{step}`, of a job this fake completed.
 */
function checkpointBase(ctx: FakeContext, reference: string): string {
  const match = /^(.*?)(?::(\d+))?$/.exec(reference);
  const name = match?.[1] ?? reference;
  const step = match?.[2] === undefined ? null : Number(match[2]);
  const job = [...ctx.state.jobs.values()].find((candidate) => candidate.id === name || candidate.outputName === name);
  if (job?.status !== 'completed')
    throw errors.invalidRequest(
      `Checkpoint ${reference} not found: no completed fine-tune ${name}.`,
      'from_checkpoint',
    );
  if (step !== null && !job.checkpoints.some((checkpoint) => checkpoint.step === step)) {
    throw errors.invalidRequest(
      `Checkpoint ${reference} not found: ${name} has no checkpoint at step ${step}.`,
      'from_checkpoint',
    );
  }
  return job.settings.model.id;
}

function estimatePrice(ctx: FakeContext, request: FastifyRequest) {
  const body = bodyObject(request.body);
  const modelName =
    optionalString(body, 'model') ??
    (optionalString(body, 'from_checkpoint') ? checkpointBase(ctx, String(body['from_checkpoint'])) : null);
  if (modelName === null) throw errors.missingParameter('model');
  const model = ctx.models.fineTunable(modelName);
  if (!model) throw errors.notFineTunable(modelName);
  const type = parseTrainingType(body, model);
  const method = parseTrainingMethod(body);
  const epochs = optionalNumber(body, 'n_epochs', { min: 1, integer: true }) ?? 1;
  const evals = optionalNumber(body, 'n_evals', { min: 0, integer: true }) ?? 0;
  const tokensOf = (
    param: 'training_file' | 'validation_file',
    id: string | null,
  ): number | 'not_validated' | 'invalid' => {
    if (id === null) return 0;
    const file = ctx.state.files.get(id);
    if (!file) throw errors.invalidRequest(`File ${id} not found.`, param, 'file_not_found');
    if (file.purpose !== 'fine-tune')
      throw errors.invalidRequest(
        `File ${id} has purpose ${file.purpose}; fine-tuning needs purpose fine-tune.`,
        param,
      );
    if (file.content === null || ctx.now() < file.processedAtMs || !file.report) return 'not_validated';
    return file.report.valid ? file.report.tokens.reduce((total, count) => total + count, 0) : 'invalid';
  };
  const trainingFile = optionalString(body, 'training_file');
  if (trainingFile === null) throw errors.missingParameter('training_file');
  const train = tokensOf('training_file', trainingFile);
  const evaluation = tokensOf('validation_file', optionalString(body, 'validation_file'));
  // The SDK types an answer without an estimate; the spec's schema (no required fields) allows it.
  if (typeof train !== 'number')
    return {
      estimation_available: false,
      unavailable_reason: train === 'invalid' ? 'train_file_invalid' : 'train_file_not_validated',
    };
  if (typeof evaluation !== 'number')
    return {
      estimation_available: false,
      unavailable_reason: evaluation === 'invalid' ? 'eval_file_invalid' : 'eval_file_not_validated',
    };
  const trainTokens = train * epochs;
  const evalTokens = evaluation * evals;
  const price =
    Math.round((trainTokens + evalTokens) * fineTunePricePerMillion(model.paramsB, method.method, type.type)) / 1e6;
  const limit = ctx.options().creditLimitUsd;
  return {
    estimation_available: true,
    estimated_total_price: price,
    allowed_to_proceed: price <= limit,
    user_limit: limit,
    estimated_train_token_count: trainTokens,
    estimated_eval_token_count: evalTokens,
  };
}
