import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import { createFile } from './files.js';
import {
  advanceJob,
  cancelJob,
  jobCreatedEvents,
  TERMINAL,
  type Hyperparameters,
  type JobEffects,
  type JobRecord,
} from './fine-tuning-simulation.js';
import { ids, unixSeconds } from './ids.js';
import { baseOf } from './models.js';
import { enforceQuota, organizationOf } from './pipeline.js';
import { analyseDataset, datasetFormatFor } from './training-data.js';
import { tokenizerForModel } from './tokens.js';
import { autoOrNumber, bodyObject, optionalNumber, optionalString, requiredString, type Body } from './validation.js';

/** `/v1/fine_tuning/jobs…` (notes §3): create, list, retrieve, cancel, events, checkpoints. */

type Query = Record<string, string | undefined>;

export interface FineTuning {
  /** Brings every unfinished job up to the current time. */
  advanceAll(): void;
}

export function fineTuningRoutes(app: FastifyInstance, ctx: FakeContext): FineTuning {
  const effects: JobEffects = {
    createResultFile: (_job, base64Csv, atMs) =>
      createFile(
        ctx,
        { filename: 'step_metrics.csv', purpose: 'fine-tune-results', content: Buffer.from(base64Csv) },
        atMs,
      ).id,
    registerModel: (name, base, atMs, jobId) => ctx.models.register(name, base, atMs, jobId),
  };
  const advance = (job: JobRecord): JobRecord => {
    advanceJob(job, ctx.now(), effects);
    return job;
  };
  const findJob = (id: string): JobRecord => {
    const job = ctx.state.jobs.get(id);
    if (!job) throw errors.jobNotFound(id);
    return advance(job);
  };
  const present = (job: JobRecord) => jobObject(job, ctx.options().jobErrorWhenOk);
  const endless = () => ctx.options().faults.endlessPages === true;

  app.post('/fine_tuning/jobs', async (request) => present(createJob(ctx, request)));

  app.get<{ Querystring: Query }>('/fine_tuning/jobs', async (request) => {
    const metadata = metadataFilter(request.query);
    const jobs = [...ctx.state.jobs.values()]
      .reverse()
      .filter((job) => Object.entries(metadata).every(([key, value]) => job.metadata?.[key] === value))
      .map(advance);
    const page = cursorPage(jobs, request.query, 20, false, (job) => job.id, present);
    return { object: page.object, data: page.data, has_more: page.has_more };
  });

  app.get<{ Params: { id: string } }>('/fine_tuning/jobs/:id', async (request) => present(findJob(request.params.id)));

  app.post<{ Params: { id: string } }>('/fine_tuning/jobs/:id/cancel', async (request) => {
    const job = findJob(request.params.id);
    if (TERMINAL.has(job.status))
      throw errors.invalidRequest(
        `Job ${job.id} has already ${job.status === 'cancelled' ? 'been cancelled' : 'completed'}.`,
      );
    cancelJob(job, ctx.now());
    return present(job);
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/fine_tuning/jobs/:id/events', async (request) => {
    const job = findJob(request.params.id);
    const page = cursorPage(
      [...job.events].reverse(),
      request.query,
      20,
      endless(),
      (event) => event.id,
      (event) => ({
        object: 'fine_tuning.job.event',
        id: event.id,
        created_at: unixSeconds(event.atMs),
        level: event.level,
        message: event.message,
        data: event.data,
        type: event.type,
      }),
    );
    return { object: page.object, data: page.data, has_more: page.has_more };
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/fine_tuning/jobs/:id/checkpoints', async (request) => {
    const job = findJob(request.params.id);
    return cursorPage(
      [...job.checkpoints].reverse(),
      request.query,
      10,
      endless(),
      (checkpoint) => checkpoint.id,
      (checkpoint) => ({
        object: 'fine_tuning.job.checkpoint',
        id: checkpoint.id,
        created_at: unixSeconds(checkpoint.atMs),
        fine_tuned_model_checkpoint: checkpoint.modelName,
        fine_tuning_job_id: job.id,
        metrics: checkpoint.metrics,
        step_number: checkpoint.step,
      }),
    );
  });

  return {
    advanceAll() {
      for (const job of ctx.state.jobs.values()) if (!TERMINAL.has(job.status)) advance(job);
    },
  };
}

function createJob(ctx: FakeContext, request: FastifyRequest): JobRecord {
  const body = bodyObject(request.body);
  const modelName = requiredString(body, 'model');
  const trainingFileId = requiredString(body, 'training_file');
  const validationFileId = optionalString(body, 'validation_file');
  const suffix = optionalString(body, 'suffix', { min: 1, max: 64 });
  const seed =
    optionalNumber(body, 'seed', { min: 0, max: 2_147_483_647, integer: true }) ??
    Math.floor(ctx.random() * 2_147_483_647);
  const method = parseMethod(body);
  const metadata = parseMetadata(body['metadata']);

  if (ctx.options().faults.trainingNotAvailable) throw errors.trainingNotAvailable();
  enforceQuota(ctx);
  const model = ctx.models.require(modelName, 'fine-tune');
  const trainingFile = fineTuneFile(ctx, trainingFileId, 'training_file');
  const validationFile = validationFileId === null ? null : fineTuneFile(ctx, validationFileId, 'validation_file');

  const options = ctx.options();
  const tokenizer = tokenizerForModel(model, options.tokenizer);
  const format = datasetFormatFor(model, method.type);
  const now = ctx.now();
  const job: JobRecord = {
    id: ids.job(),
    createdAtMs: now,
    model,
    nameBase: baseOf(model),
    organization: organizationOf(ctx, request),
    organizationSlug: options.organizationSlug,
    trainingFile: trainingFile.id,
    validationFile: validationFile?.id ?? null,
    suffix,
    seed,
    methodType: method.type,
    requested: method.hyperparameters,
    resolved: null,
    metadata,
    integrations: Array.isArray(body['integrations']) ? (body['integrations'] as unknown[]) : null,
    timing: { ...options.jobTiming },
    // Files are read now, like the real service copying them; a later delete does not matter.
    training: withForcedFailure(
      analyseDataset(trainingFile.content.toString('utf8'), format, tokenizer, 'training'),
      options.faults.failJobs ??
        (options.faults.failJobsWithoutError ? { code: 'unknown', message: 'Fine-tuning job failed.' } : undefined),
    ),
    hideError: options.faults.failJobsWithoutError === true,
    reportedTrainedTokens: options.faults.trainedTokens ?? null,
    validation: validationFile
      ? analyseDataset(validationFile.content.toString('utf8'), format, tokenizer, 'validation')
      : null,
    status: 'validating_files',
    error: null,
    finishedAtMs: null,
    estimatedFinishMs: null,
    fineTunedModel: null,
    trainedTokens: null,
    resultFiles: [],
    events: [],
    checkpoints: [],
    curve: [],
    stepsPerEpoch: 1,
    stepsEmitted: 0,
    modelSuffixId: ids.modelSuffix(),
  };
  jobCreatedEvents(job);
  ctx.state.jobs.set(job.id, job);
  return job;
}

function fineTuneFile(ctx: FakeContext, id: string, param: 'training_file' | 'validation_file') {
  const file = ctx.state.files.get(id);
  if (!file) throw errors.invalidRequest(`invalid ${param}: ${id}`, param);
  if (file.purpose !== 'fine-tune') {
    throw errors.invalidRequest(
      `File ${id} has purpose '${file.purpose}'; fine-tuning files must have purpose 'fine-tune'.`,
      param,
    );
  }
  if (file.error !== null && ctx.now() >= file.processedAtMs) {
    throw errors.invalidRequest(`File ${id} failed processing: ${file.error}`, param, 'invalid_file');
  }
  if (ctx.now() < file.processedAtMs) {
    throw errors.invalidRequest(
      `File ${id} is still being processed and is not ready to be used for fine-tuning. Please try again later.`,
      param,
      'file_not_ready',
    );
  }
  return file;
}

function parseMethod(body: Body): { type: JobRecord['methodType']; hyperparameters: Hyperparameters } {
  const method = (body['method'] ?? null) as { type?: unknown; [key: string]: unknown } | null;
  const type = method?.type ?? 'supervised';
  if (type !== 'supervised' && type !== 'dpo' && type !== 'reinforcement') {
    throw errors.invalidRequest(
      "Invalid 'method.type': expected one of 'supervised', 'dpo', 'reinforcement'.",
      'method.type',
    );
  }
  const section = (method?.[type] ?? {}) as { hyperparameters?: Record<string, unknown> };
  const raw = section.hyperparameters ?? (body['hyperparameters'] as Record<string, unknown> | undefined) ?? {};
  return {
    type,
    hyperparameters: {
      n_epochs: autoOrNumber(raw['n_epochs'], 'hyperparameters.n_epochs', { min: 1, max: 50, integer: true }),
      batch_size: autoOrNumber(raw['batch_size'], 'hyperparameters.batch_size', { min: 1, max: 256, integer: true }),
      learning_rate_multiplier: autoOrNumber(
        raw['learning_rate_multiplier'],
        'hyperparameters.learning_rate_multiplier',
        { min: 0, exclusiveMin: true },
      ),
    },
  };
}

function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  const entries = typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : null;
  if (
    !entries ||
    entries.length > 16 ||
    entries.some(([key, item]) => key.length > 64 || typeof item !== 'string' || item.length > 512)
  ) {
    throw errors.invalidRequest(
      "Invalid 'metadata': at most 16 string pairs, keys up to 64 and values up to 512 characters.",
      'metadata',
    );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** `metadata[key]=value` query pairs (deepObject style). */
function metadataFilter(query: Query): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match?.[1] && value !== undefined) filter[match[1]] = value;
  }
  return filter;
}

export function jobObject(job: JobRecord, errorWhenOk: 'null' | 'empty' | 'nulls') {
  const hyperparameters = job.resolved ?? job.requested;
  const okError =
    errorWhenOk === 'empty' ? {} : errorWhenOk === 'nulls' ? { code: null, message: null, param: null } : null;
  return {
    object: 'fine_tuning.job',
    id: job.id,
    model: job.model,
    created_at: unixSeconds(job.createdAtMs),
    finished_at: job.finishedAtMs === null ? null : unixSeconds(job.finishedAtMs),
    fine_tuned_model: job.fineTunedModel,
    organization_id: job.organization,
    result_files: job.resultFiles,
    status: job.status,
    validation_file: job.validationFile,
    training_file: job.trainingFile,
    hyperparameters,
    trained_tokens: job.trainedTokens,
    error: job.hideError ? null : (job.error ?? okError),
    user_provided_suffix: job.suffix,
    seed: job.seed,
    estimated_finish: job.estimatedFinishMs === null ? null : unixSeconds(job.estimatedFinishMs),
    integrations: job.integrations ?? [],
    metadata: job.metadata,
    method: { type: job.methodType, [job.methodType]: { hyperparameters } },
  };
}

/**
 * Cursor pagination over a newest-first list: items after `after`, `limit` of them, `has_more`.
 * `endless` (faults.endlessPages): `after` is ignored and `has_more` is always true, so the same
 * page (and the same last id) comes back for ever.
 */
function cursorPage<T, R>(
  items: T[],
  query: Query,
  defaultLimit: number,
  endless: boolean,
  idOf: (item: T) => string,
  present: (item: T) => R,
) {
  const limit = query['limit'] === undefined ? defaultLimit : Number(query['limit']);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw errors.invalidRequest("Invalid 'limit': must be an integer between 1 and 100.", 'limit');
  const after = query['after'];
  const start = after && !endless ? items.findIndex((item) => idOf(item) === after) + 1 : 0;
  const page = items.slice(start, start + limit);
  return {
    object: 'list' as const,
    data: page.map(present),
    first_id: page[0] ? idOf(page[0]) : null,
    last_id: page.at(-1) ? idOf(page.at(-1) as T) : null,
    has_more: endless || start + limit < items.length,
  };
}

/** `faults.failJobs`: the job fails validation with the given error whatever its files hold. */
function withForcedFailure<T extends { problem: unknown }>(
  analysis: T,
  failure: { code: string; message: string; param?: string } | undefined,
): T {
  if (!failure) return analysis;
  return {
    ...analysis,
    problem: { code: failure.code, message: failure.message, param: failure.param ?? 'training_file' },
  };
}
