import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MonitoringService } from '../../../services/predictions/monitoring-service.js';
import type { PredictionsService } from '../../../services/predictions/predictions-service.js';
import { Type } from 'typebox';
import { authenticatedErrors, pageQueryProperties, presentPage } from '../../schemas/common.js';
import { DatasetVersion, presentVersion, TaskParams, VersionParams } from '../datasets/schemas.js';
import {
  FeedbackBody,
  ListPredictionsQuery,
  MergeFeedbackBody,
  Monitoring,
  MonitoringQuery,
  PredictionPage,
  PredictionParams,
  presentPrediction,
  StoredPrediction,
} from './schemas.js';
import { inPath, inQuery, taskInPath } from '../../task-bindings.js';

const tags = ['predictions'];
const dateOrUndefined = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

export const predictionsRoutes: FastifyPluginAsyncTypebox<{
  predictions: PredictionsService;
  monitoring: MonitoringService;
}> = async (app, { predictions, monitoring }) => {
  app.get('/v1/predictions/:prediction', {
    config: { access: 'read', tasks: [inPath('prediction', 'prediction')] },
    schema: {
      tags,
      operationId: 'getPrediction',
      summary: 'A logged prediction with its feedback',
      params: PredictionParams,
      response: { 200: StoredPrediction, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentPrediction(await predictions.get(request.params.prediction)),
  });

  app.post('/v1/predictions/:prediction/feedback', {
    config: { access: 'classify', idempotent: true, tasks: [inPath('prediction', 'prediction')] },
    schema: {
      tags,
      operationId: 'givePredictionFeedback',
      summary: 'Tell Tuneline the true label of a prediction (the latest feedback replaces earlier feedback)',
      params: PredictionParams,
      body: FeedbackBody,
      response: { 200: StoredPrediction, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const { prediction, feedback } = await predictions.giveFeedback(
        request.params.prediction,
        request.body,
        request.principal!.keyId,
      );
      return presentPrediction({ prediction, feedback });
    },
  });

  app.get('/v1/tasks/:task/predictions', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listPredictions',
      summary: 'The task’s prediction log, newest first',
      params: TaskParams,
      querystring: ListPredictionsQuery,
      response: { 200: PredictionPage, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const { served_by, has_feedback, abstained, since, until, limit, cursor } = request.query;
      const page = await predictions.list(
        request.params.task,
        {
          servedBy: served_by,
          hasFeedback: has_feedback,
          abstained,
          since: dateOrUndefined(since),
          until: dateOrUndefined(until),
        },
        { limit, cursor },
      );
      return presentPage(page, presentPrediction);
    },
  });

  app.get('/v1/tasks/:task/review-queue', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listReviewQueue',
      summary: 'Predictions a cascade abstained on and nobody has labelled yet, newest first',
      description: 'Feedback on a prediction (POST /v1/predictions/{id}/feedback) takes it out of the queue.',
      params: TaskParams,
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: PredictionPage, ...authenticatedErrors(404) },
    },
    handler: async (request) =>
      presentPage(await predictions.reviewQueue(request.params.task, request.query), presentPrediction),
  });

  app.get('/v1/tasks/:task/monitoring', {
    config: { access: 'read', tasks: [taskInPath, inQuery('reference_version_id', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'getMonitoring',
      summary: 'Traffic, fallback and error rates, latency, live accuracy per model over time, and label drift',
      params: TaskParams,
      querystring: MonitoringQuery,
      response: { 200: Monitoring, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const { since, until, bucket_seconds, reference_version_id, min_predictions } = request.query;
      return monitoring.get(request.params.task, {
        since: dateOrUndefined(since),
        until: dateOrUndefined(until),
        bucketSeconds: bucket_seconds,
        referenceVersionId: reference_version_id,
        minPredictions: min_predictions,
      });
    },
  });

  app.post('/v1/dataset-versions/:version/merge-feedback', {
    config: { access: 'write', idempotent: true, tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags: ['datasets', ...tags],
      operationId: 'mergeFeedback',
      summary: 'A new version with the task’s production feedback merged in (label source `feedback`)',
      params: VersionParams,
      body: MergeFeedbackBody,
      response: { 201: DatasetVersion, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const { split, since, until } = request.body ?? {};
      const version = await predictions.mergeFeedback(request.params.version, {
        split: split === undefined ? 'train' : split,
        since: dateOrUndefined(since),
        until: dateOrUndefined(until),
      });
      return reply.status(201).header('location', `/v1/dataset-versions/${version.id}`).send(presentVersion(version));
    },
  });
};
