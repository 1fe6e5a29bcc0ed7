import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { STEP_STATUSES, PIPELINE_STATUSES } from '../../../db/schema/pipelines.js';
import type { PipelineParams } from '../../../domain/pipelines/pipeline-params.js';
import type {
  CreatePipelineInput,
  PipelinesService,
  PipelineView,
} from '../../../services/pipelines/pipelines-service.js';
import {
  authenticatedErrors,
  iso,
  isoOrNull,
  Nullable,
  NullableTimestamp,
  pageOf,
  pageQueryProperties,
  presentPage,
  Timestamp,
} from '../../schemas/common.js';
import { OperationSchema } from '../datasets/schemas.js';
import { candidateBody, candidateInput, CreateFineTuneBody } from '../fine-tunes/schemas.js';
import { CreateLabelRunBody, labelingBody, labelingInput } from '../label-runs/schemas.js';
import { inBody, inPath, taskInPath } from '../../task-bindings.js';
import { type OpenEventStream, streamRouteSchema } from '../../sse.js';

const tags = ['pipelines'];
const TaskParams = Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) });
const PipelinePathParams = Type.Object({ pipeline: Type.String({ format: 'uuid' }) });

const CreatePipelineBody = Type.Object(
  {
    dataset_version_id: Type.String({
      format: 'uuid',
      description: 'Where the data comes from; unlabeled rows are labeled first when `label` is given',
    }),
    label: Type.Optional(
      Type.Omit(CreateLabelRunBody, ['only_unlabeled'], {
        additionalProperties: false,
        description: 'Label the unlabeled rows with this model first',
      }),
    ),
    prepare: Type.Optional(
      Type.Object(
        { operations: Type.Array(OperationSchema, { minItems: 1, maxItems: 50 }) },
        {
          additionalProperties: false,
          description: 'Default: drop unlabeled, dedupe (normalized), clean, split 70/15/15 stratified (seed 42)',
        },
      ),
    ),
    candidates: Type.Array(
      Type.Omit(CreateFineTuneBody, ['dataset_version_id', 'dry_run'], { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: 5,
        description: 'Models to train on the prepared train split: hosted (`openai`) and/or `local`',
      },
    ),
    baseline_model_version_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Prompt-only model to compare with; default the task’s fallback' }),
    ),
  },
  { additionalProperties: false },
);

/** The request as the service takes it. */
const pipelineInput = (body: Static<typeof CreatePipelineBody>): CreatePipelineInput => ({
  datasetVersionId: body.dataset_version_id,
  label: body.label && labelingInput(body.label),
  prepare: body.prepare,
  candidates: body.candidates.map(candidateInput),
  baselineModelVersionId: body.baseline_model_version_id,
});

/** What was accepted, in the request's shape again (defaults filled in, absent fields absent). */
const paramsBody = (params: PipelineParams) => ({
  dataset_version_id: params.datasetVersionId,
  label: params.label && labelingBody(params.label),
  prepare: params.prepare,
  candidates: params.candidates.map(candidateBody),
  baseline_model_version_id: params.baselineModelVersionId,
});

const Step = Type.Object({
  name: Type.String({ description: 'label, prepare, train, evaluate, promote' }),
  status: Type.Enum([...STEP_STATUSES]),
  attempts: Type.Integer(),
  started_at: NullableTimestamp,
  finished_at: NullableTimestamp,
  duration_ms: Nullable(Type.Integer()),
  cost_usd: Nullable(Type.Number()),
  error: Nullable(Type.String()),
  outputs: Type.Object(
    {},
    {
      additionalProperties: true,
      description: 'Ids and figures the step produced (label run, versions, fine-tunes, evaluations, decision)',
    },
  ),
});

const Pipeline = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  status: Type.Enum([...PIPELINE_STATUSES]),
  attempt: Type.Integer({ description: '1, plus one per retry' }),
  error: Nullable(Type.String()),
  outcome: Nullable(
    Type.Object(
      {
        result: Type.Enum(['promoted', 'no_promotion', 'nothing_serving']),
        reason: Type.String(),
        best_candidate_model_version_id: Nullable(Type.String({ format: 'uuid' })),
        champion_model_version_id: Nullable(Type.String({ format: 'uuid' })),
        fallback_model_version_id: Nullable(Type.String({ format: 'uuid' })),
      },
      { description: 'Once completed: what the pipeline left serving, and why (null while running or failed)' },
    ),
  ),
  origin: Nullable(
    Type.Object(
      {
        trigger: Type.Enum(['on_shutdown']),
        champion_model_version_id: Type.String({ format: 'uuid' }),
        champion_model: Type.String(),
        shutdown_date: Type.String({ format: 'date' }),
        shutdown_source: Type.Enum(['table', 'provider']),
        days_before: Type.Integer(),
      },
      { description: 'Why Tuneline started it (the on_shutdown retrain policy); null when asked for over the API' },
    ),
  ),
  cost_usd: Type.Number({ description: 'Sum of the steps’ costs so far' }),
  params: Type.Object({}, { additionalProperties: true }),
  steps: Type.Array(Step),
  created_at: Timestamp,
  finished_at: NullableTimestamp,
});

const present = ({ pipeline, steps }: PipelineView) => ({
  id: pipeline.id,
  task_id: pipeline.taskId,
  status: pipeline.status,
  outcome: pipeline.outcome,
  origin: pipeline.origin && {
    trigger: pipeline.origin.trigger,
    champion_model_version_id: pipeline.origin.championId,
    champion_model: pipeline.origin.championModel,
    shutdown_date: pipeline.origin.shutdownDate,
    shutdown_source: pipeline.origin.shutdownSource,
    days_before: pipeline.origin.daysBefore,
  },
  attempt: pipeline.attempt,
  error: pipeline.error,
  cost_usd: steps.reduce((sum, step) => sum + (step.costUsd ?? 0), 0),
  params: paramsBody(pipeline.params),
  steps: steps.map((step) => ({
    name: step.name,
    status: step.status,
    attempts: step.attempts,
    started_at: isoOrNull(step.startedAt),
    finished_at: isoOrNull(step.finishedAt),
    duration_ms: step.startedAt && step.finishedAt ? step.finishedAt.getTime() - step.startedAt.getTime() : null,
    cost_usd: step.costUsd,
    error: step.error,
    outputs: step.outputs,
  })),
  created_at: iso(pipeline.createdAt),
  finished_at: isoOrNull(pipeline.finishedAt),
});

export const pipelinesRoutes: FastifyPluginAsyncTypebox<{
  pipelines: PipelinesService;
  streams: OpenEventStream;
}> = async (app, { pipelines, streams }) => {
  app.post('/v1/tasks/:task/pipelines', {
    config: {
      access: 'write',
      idempotent: true,
      tasks: [
        taskInPath,
        inBody('dataset_version_id', 'datasetVersion'),
        inBody('candidates[].parent_model_version_id', 'modelVersion'),
        inBody('baseline_model_version_id', 'modelVersion'),
      ],
    },
    schema: {
      tags,
      operationId: 'createPipeline',
      summary: 'Run label → prepare → train candidates → evaluate against the prompt-only baseline → promote by policy',
      params: TaskParams,
      body: CreatePipelineBody,
      response: { 202: Pipeline, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const created = await pipelines.create(request.params.task, pipelineInput(request.body));
      return reply.status(202).header('location', `/v1/pipelines/${created.pipeline.id}`).send(present(created));
    },
  });

  app.get('/v1/tasks/:task/pipelines', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listPipelines',
      summary: 'A task’s pipelines, newest first',
      params: TaskParams,
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: pageOf(Pipeline), ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await pipelines.list(request.params.task, request.query), present),
  });

  app.get('/v1/pipelines/:pipeline', {
    config: { access: 'read', tasks: [inPath('pipeline', 'pipeline')] },
    schema: {
      tags,
      operationId: 'getPipeline',
      summary: 'Every step’s state, timings, cost and outputs',
      params: PipelinePathParams,
      response: { 200: Pipeline, ...authenticatedErrors(404) },
    },
    handler: async (request) => present(await pipelines.get(request.params.pipeline)),
  });

  app.get('/v1/pipelines/:pipeline/stream', {
    config: { access: 'read', tasks: [inPath('pipeline', 'pipeline')] },
    schema: streamRouteSchema({
      tags,
      operationId: 'streamPipeline',
      params: PipelinePathParams,
      note: `\`steps\` is sent whole when a step changes`,
    }),
    handler: async (request, reply) => {
      const id = request.params.pipeline;
      await pipelines.get(id); // 404 before the stream starts
      streams(request, reply, {
        key: `pipeline:${id}`,
        load: async () => present(await pipelines.get(id)),
        terminal: (resource) => resource['status'] !== 'running',
      });
    },
  });

  app.post('/v1/pipelines/:pipeline/retry', {
    config: { access: 'write', idempotent: true, tasks: [inPath('pipeline', 'pipeline')] },
    schema: {
      tags,
      operationId: 'retryPipeline',
      summary: 'Run a failed pipeline again from its failed step; finished steps are kept',
      params: PipelinePathParams,
      response: { 202: Pipeline, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => reply.status(202).send(present(await pipelines.retry(request.params.pipeline))),
  });
};
