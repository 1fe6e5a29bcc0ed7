import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FineTunesService } from '../../../services/fine-tunes/fine-tunes-service.js';
import { authenticatedErrors, presentPage } from '../../schemas/common.js';
import { type OpenEventStream, streamRouteSchema } from '../../sse.js';
import { TERMINAL_FINE_TUNE_STATUSES } from '../../../db/schema/fine-tunes.js';
import {
  CreateFineTuneBody,
  FineTune,
  FineTuneDetail,
  FineTuneEventPage,
  FineTunePage,
  FineTuneParams,
  fineTuneInput,
  ListQuery,
  Preflight,
  presentDetail,
  presentEvent,
  presentFineTune,
  TaskParams,
} from './schemas.js';
import { inBody, inPath, taskInPath } from '../../task-bindings.js';

const tags = ['training'];

/** Ended, and for a success the automatic evaluation decided too (what a pipeline waits for). */
const streamEnded = (resource: Record<string, unknown>) =>
  (TERMINAL_FINE_TUNE_STATUSES as readonly unknown[]).includes(resource['status']) &&
  (resource['status'] !== 'succeeded' || resource['model_version_id'] === null || resource['auto_evaluation'] !== null);

export const fineTunesRoutes: FastifyPluginAsyncTypebox<{
  fineTunes: FineTunesService;
  streams: OpenEventStream;
}> = async (app, { fineTunes, streams }) => {
  app.post('/v1/tasks/:task/fine-tunes', {
    config: {
      access: 'write',
      idempotent: true,
      tasks: [
        taskInPath,
        inBody('dataset_version_id', 'datasetVersion'),
        inBody('parent_model_version_id', 'modelVersion'),
      ],
    },
    schema: {
      tags,
      operationId: 'createFineTune',
      summary: 'Train a model on a dataset version, hosted or local; dry_run only checks and estimates',
      params: TaskParams,
      body: CreateFineTuneBody,
      response: { 200: Preflight, 202: FineTune, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const result = await fineTunes.create(request.params.task, fineTuneInput(request.body));
      if (result.dryRun) {
        return reply.status(200).send({
          dry_run: true as const,
          base_model: result.baseModel,
          preflight: result.preflight,
          estimate: result.estimate,
        });
      }
      return reply
        .status(202)
        .header('location', `/v1/fine-tunes/${result.fineTune.id}`)
        .send(presentFineTune(result.fineTune));
    },
  });

  app.get('/v1/tasks/:task/fine-tunes', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listFineTunes',
      summary: 'A task’s fine-tunes, newest first',
      params: TaskParams,
      querystring: ListQuery,
      response: { 200: FineTunePage, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await fineTunes.list(request.params.task, request.query), presentFineTune),
  });

  app.get('/v1/fine-tunes/:fine_tune', {
    config: { access: 'read', tasks: [inPath('fine_tune', 'fineTune')] },
    schema: {
      tags,
      operationId: 'getFineTune',
      summary: 'A fine-tune: status timeline, events, checkpoints, loss curve, cost and the resulting model',
      params: FineTuneParams,
      response: { 200: FineTuneDetail, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentDetail(await fineTunes.detail(request.params.fine_tune)),
  });

  app.get('/v1/fine-tunes/:fine_tune/events', {
    config: { access: 'read', tasks: [inPath('fine_tune', 'fineTune')] },
    schema: {
      tags,
      operationId: 'listFineTuneEvents',
      summary: 'Every stored provider (or local trainer) event of a fine-tune, newest first, paged',
      params: FineTuneParams,
      querystring: ListQuery,
      response: { 200: FineTuneEventPage, ...authenticatedErrors(404) },
    },
    handler: async (request) =>
      presentPage(await fineTunes.events(request.params.fine_tune, request.query), presentEvent),
  });

  app.get('/v1/fine-tunes/:fine_tune/stream', {
    config: { access: 'read', tasks: [inPath('fine_tune', 'fineTune')] },
    schema: streamRouteSchema({
      tags,
      operationId: 'streamFineTune',
      params: FineTuneParams,
      note: 'ends once a success has its automatic evaluation decided',
    }),
    handler: async (request, reply) => {
      const id = request.params.fine_tune;
      await fineTunes.getFineTune(id); // 404 before the stream starts
      streams(request, reply, {
        key: `fine-tune:${id}`,
        load: async () => presentFineTune(await fineTunes.getFineTune(id)),
        terminal: streamEnded,
      });
    },
  });

  app.post('/v1/fine-tunes/:fine_tune/cancel', {
    config: { access: 'write', tasks: [inPath('fine_tune', 'fineTune')] },
    schema: {
      tags,
      operationId: 'cancelFineTune',
      summary: 'Cancel at any stage (also at the provider); idempotent',
      params: FineTuneParams,
      response: { 200: FineTune, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentFineTune(await fineTunes.cancel(request.params.fine_tune)),
  });
};
