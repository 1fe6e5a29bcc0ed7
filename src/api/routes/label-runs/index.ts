import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LabelRunsService } from '../../../services/label-runs/label-runs-service.js';
import { authenticatedErrors, presentPage } from '../../schemas/common.js';
import { type OpenEventStream, streamRouteSchema } from '../../sse.js';
import {
  CreateLabelRunBody,
  isTerminal,
  labelingInput,
  LabelResultPage,
  LabelRun,
  LabelRunPage,
  ListQuery,
  presentResult,
  presentRun,
  RunParams,
  VersionParams,
} from './schemas.js';
import { inPath } from '../../task-bindings.js';

const tags = ['labeling'];

export const labelRunsRoutes: FastifyPluginAsyncTypebox<{
  labelRuns: LabelRunsService;
  streams: OpenEventStream;
}> = async (app, { labelRuns, streams }) => {
  app.post('/v1/dataset-versions/:version/label-runs', {
    config: { access: 'write', idempotent: true, tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'createLabelRun',
      summary: 'Label a version’s examples with an LLM (or the offline model) in the background',
      params: VersionParams,
      body: CreateLabelRunBody,
      response: { 202: LabelRun, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const run = await labelRuns.create(request.params.version, {
        ...labelingInput(request.body),
        onlyUnlabeled: request.body.only_unlabeled,
      });
      return reply.status(202).header('location', `/v1/label-runs/${run.run.id}`).send(presentRun(run));
    },
  });

  app.get('/v1/dataset-versions/:version/label-runs', {
    config: { access: 'read', tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'listLabelRuns',
      summary: 'A version’s label runs, newest first',
      params: VersionParams,
      querystring: ListQuery,
      response: { 200: LabelRunPage, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await labelRuns.list(request.params.version, request.query), presentRun),
  });

  app.get('/v1/label-runs/:run', {
    config: { access: 'read', tasks: [inPath('run', 'labelRun')] },
    schema: {
      tags,
      operationId: 'getLabelRun',
      summary: 'A run’s status and progress: done / failed / skipped, tokens, cost so far, rate and ETA',
      params: RunParams,
      response: { 200: LabelRun, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentRun(await labelRuns.get(request.params.run)),
  });

  // `/events` is the original path of the same stream; `/stream` is the one every resource has.
  for (const [path, operationId] of [
    ['/v1/label-runs/:run/stream', 'streamLabelRun'],
    ['/v1/label-runs/:run/events', 'streamLabelRunEvents'],
  ] as const) {
    app.get(path, {
      config: { access: 'read', tasks: [inPath('run', 'labelRun')] },
      schema: streamRouteSchema({ tags, operationId, params: RunParams, note: 'without the prompt' }),
      handler: async (request, reply) => {
        const { run } = request.params;
        await labelRuns.get(run); // 404 before the stream starts
        streams(request, reply, {
          key: `label-run:${run}`,
          load: async () => presentRun(await labelRuns.get(run)),
          terminal: (resource) => isTerminal(String(resource['status'])),
          omit: ['prompt'],
        });
      },
    });
  }

  app.post('/v1/label-runs/:run/cancel', {
    config: { access: 'write', tasks: [inPath('run', 'labelRun')] },
    schema: {
      tags,
      operationId: 'cancelLabelRun',
      summary: 'Stop a run; answers so far are kept. Idempotent.',
      params: RunParams,
      response: { 200: LabelRun, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentRun(await labelRuns.cancel(request.params.run)),
  });

  app.post('/v1/label-runs/:run/retry', {
    config: { access: 'write', idempotent: true, tasks: [inPath('run', 'labelRun')] },
    schema: {
      tags,
      operationId: 'retryLabelRun',
      summary: 'Run a failed run again; recorded answers are kept and never repeated',
      params: RunParams,
      response: { 202: LabelRun, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => reply.status(202).send(presentRun(await labelRuns.retry(request.params.run))),
  });

  app.get('/v1/label-runs/:run/results', {
    config: { access: 'read', tasks: [inPath('run', 'labelRun')] },
    schema: {
      tags,
      operationId: 'listLabelResults',
      summary: 'Every answer of a run: label, probabilities, tokens, cost, latency, error',
      params: RunParams,
      querystring: ListQuery,
      response: { 200: LabelResultPage, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPage(await labelRuns.results(request.params.run, request.query), presentResult),
  });
};
