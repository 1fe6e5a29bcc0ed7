import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVALUATION_STATUSES, type EvaluationRecord } from '../../../db/schema/evaluations.js';
import { SPLITS } from '../../../domain/datasets/rows.js';
import type { RateEstimate } from '../../../domain/progress/sliding-rate.js';
import type { EvaluationsService } from '../../../services/evaluations/evaluations-service.js';
import type { LeaderboardService } from '../../../services/evaluations/leaderboard.js';
import {
  authenticatedErrors,
  iso,
  isoOrNull,
  Nullable,
  NullableTimestamp,
  pageOf,
  pageQueryProperties,
  Timestamp,
} from '../../schemas/common.js';
import { metricsSummary } from '../../schemas/metrics-summary.js';
import { CascadeStageShares } from '../../schemas/cascade-stages.js';
import { type OpenEventStream, streamRouteSchema } from '../../sse.js';
import { ModelVersion, presentModelVersion } from '../model-versions/index.js';
import { inBody, inPath, inQuery, taskInPath } from '../../task-bindings.js';

const Loose = Type.Object({}, { additionalProperties: true });
// Up to 1,000 a page, 100 by default: a test split is usually read whole, a page at a time.
const PredictionsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Page size' }),
    cursor: pageQueryProperties.cursor,
    correct: Type.Optional(
      Type.Boolean({ description: '`false`: the mistakes (a failed or unparseable answer counts as one)' }),
    ),
    true_label: Type.Optional(Type.String({ minLength: 1 })),
    predicted_label: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const EvaluationPrediction = Type.Object({
  seq: Type.Integer(),
  example_id: Type.String(),
  text: Type.String(),
  current_label: Nullable(Type.String({ description: "The example's label in the evaluated version" })),
  true_label: Type.String(),
  predicted: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  probabilities: Nullable(Type.Record(Type.String(), Type.Number())),
  latency_ms: Nullable(Type.Integer()),
  error_code: Nullable(Type.String()),
});

const tags = ['evaluation'];

const Evaluation = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  model_version_id: Type.String({ format: 'uuid' }),
  dataset_version_id: Type.String({ format: 'uuid' }),
  split: Type.String(),
  status: Type.Enum([...EVALUATION_STATUSES]),
  total: Type.Integer(),
  good_threshold: Nullable(Type.String({ description: 'Asked for this evaluation; null: the task’s' })),
  answered: Type.Integer(),
  rate_per_minute: Nullable(
    Type.Integer({
      description: 'Rows answered per minute over the last 30 s; null until there are 3 seconds of answers',
    }),
  ),
  eta_seconds: Nullable(
    Type.Integer({ description: 'Seconds left at that rate; null while the rate is unknown, 0 once it ended' }),
  ),
  metrics: Nullable(Loose),
  stages: CascadeStageShares,
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  created_at: Timestamp,
  started_at: NullableTimestamp,
  finished_at: NullableTimestamp,
});

const present = (
  evaluation: EvaluationRecord,
  { answered, rate }: { answered: number; rate: RateEstimate } = {
    answered: 0,
    rate: { perSecond: null, etaSeconds: null },
  },
) => ({
  id: evaluation.id,
  task_id: evaluation.taskId,
  model_version_id: evaluation.modelVersionId,
  dataset_version_id: evaluation.datasetVersionId,
  split: evaluation.split,
  status: evaluation.status,
  total: evaluation.total,
  good_threshold: evaluation.goodThreshold,
  answered,
  rate_per_minute: rate.perSecond === null ? null : Math.round(rate.perSecond * 60),
  eta_seconds: rate.etaSeconds,
  metrics: evaluation.metrics,
  stages: evaluation.metrics?.cascade?.stages ?? null,
  error: evaluation.errorCode ? { code: evaluation.errorCode, message: evaluation.errorMessage ?? '' } : null,
  created_at: iso(evaluation.createdAt),
  started_at: isoOrNull(evaluation.startedAt),
  finished_at: isoOrNull(evaluation.finishedAt),
});

const TERMINAL_EVALUATION = new Set(['completed', 'failed', 'cancelled']);

const Split = Type.Enum([...SPLITS], { default: 'test' });

export const evaluationsRoutes: FastifyPluginAsyncTypebox<{
  evaluations: EvaluationsService;
  leaderboard: LeaderboardService;
  streams: OpenEventStream;
}> = async (app, { evaluations, leaderboard, streams }) => {
  const withProgress = async (evaluation: EvaluationRecord) =>
    present(evaluation, await evaluations.progress(evaluation));

  app.post('/v1/evaluations', {
    config: {
      access: 'write',
      idempotent: true,
      tasks: [inBody('model_version_id', 'modelVersion'), inBody('dataset_version_id', 'datasetVersion')],
    },
    schema: {
      tags,
      operationId: 'createEvaluation',
      summary:
        'Score a model version on a dataset version’s split (default test), in the background; a cascade is computed at once from its stages’ latest completed evaluations there',
      body: Type.Object(
        {
          model_version_id: Type.String({ format: 'uuid' }),
          dataset_version_id: Type.String({ format: 'uuid' }),
          split: Split,
          good_threshold: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              description:
                'Ordinal tasks: the lowest label counted as good for good-vs-bad accuracy; default the task’s',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 202: Evaluation, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const evaluation = await evaluations.create({
        modelVersionId: request.body.model_version_id,
        datasetVersionId: request.body.dataset_version_id,
        split: request.body.split,
        goodThreshold: request.body.good_threshold,
      });
      return reply.status(202).header('location', `/v1/evaluations/${evaluation.id}`).send(present(evaluation));
    },
  });

  app.get('/v1/tasks/:task/evaluations', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listEvaluations',
      summary: 'A task’s evaluations, newest first',
      params: Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object({ ...pageQueryProperties }, { additionalProperties: false }),
      response: { 200: pageOf(Evaluation), ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const page = await evaluations.list(request.params.task, request.query);
      return { data: await Promise.all(page.data.map(withProgress)), next_cursor: page.nextCursor };
    },
  });

  app.get('/v1/evaluations/:evaluation', {
    config: { access: 'read', tasks: [inPath('evaluation', 'evaluation')] },
    schema: {
      tags,
      operationId: 'getEvaluation',
      summary:
        'Status, progress and (when completed) every metric: report, confusion matrix, calibration, latency, cost',
      params: Type.Object({ evaluation: Type.String({ format: 'uuid' }) }),
      response: { 200: Evaluation, ...authenticatedErrors(404) },
    },
    handler: async (request) => withProgress(await evaluations.get(request.params.evaluation)),
  });

  app.get('/v1/evaluations/:evaluation/stream', {
    config: { access: 'read', tasks: [inPath('evaluation', 'evaluation')] },
    schema: streamRouteSchema({
      tags,
      operationId: 'streamEvaluation',
      params: Type.Object({ evaluation: Type.String({ format: 'uuid' }) }),
    }),
    handler: async (request, reply) => {
      const id = request.params.evaluation;
      await evaluations.get(id); // 404 before the stream starts
      streams(request, reply, {
        key: `evaluation:${id}`,
        load: async () => withProgress(await evaluations.get(id)),
        terminal: (resource) => TERMINAL_EVALUATION.has(String(resource['status'])),
      });
    },
  });

  app.post('/v1/evaluations/:evaluation/retry', {
    config: { access: 'write', idempotent: true, tasks: [inPath('evaluation', 'evaluation')] },
    schema: {
      tags,
      operationId: 'retryEvaluation',
      summary: 'Run a failed evaluation again; stored predictions are kept and never repeated',
      params: Type.Object({ evaluation: Type.String({ format: 'uuid' }) }),
      response: { 202: Evaluation, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) =>
      reply.status(202).send(await withProgress(await evaluations.retry(request.params.evaluation))),
  });

  app.get('/v1/evaluations/:evaluation/report', {
    config: { access: 'read', tasks: [inPath('evaluation', 'evaluation')] },
    schema: {
      tags,
      operationId: 'getEvaluationReport',
      summary:
        'The classification report as text, laid out like scikit-learn’s, then failed and unparseable counts and the confusion matrix',
      params: Type.Object({ evaluation: Type.String({ format: 'uuid' }) }),
      produces: ['text/plain'],
      response: { 200: Type.String(), ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) =>
      reply.type('text/plain; charset=utf-8').send(await evaluations.textReport(request.params.evaluation)),
  });

  app.get('/v1/evaluations/:evaluation/predictions', {
    config: { access: 'read', tasks: [inPath('evaluation', 'evaluation')] },
    schema: {
      tags,
      operationId: 'listEvaluationPredictions',
      summary: 'The rows in order beside their text: true label, prediction, probabilities, latency, error',
      params: Type.Object({ evaluation: Type.String({ format: 'uuid' }) }),
      querystring: PredictionsQuery,
      response: { 200: pageOf(EvaluationPrediction), ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const { limit, cursor, correct, true_label, predicted_label } = request.query;
      const page = await evaluations.predictions(
        request.params.evaluation,
        { correct, trueLabel: true_label, predictedLabel: predicted_label },
        { limit, cursor },
      );
      return {
        data: page.data.map((row) => ({
          seq: row.seq,
          example_id: row.exampleId,
          text: row.text,
          current_label: row.currentLabel,
          true_label: row.trueLabel,
          predicted: row.predicted,
          confidence: row.confidence,
          probabilities: row.probabilities,
          latency_ms: row.latencyMs,
          error_code: row.errorCode,
        })),
        next_cursor: page.nextCursor,
      };
    },
  });

  app.get('/v1/tasks/:task/leaderboard', {
    config: { access: 'read', tasks: [taskInPath, inQuery('dataset_version_id', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'getLeaderboard',
      summary: 'Every model evaluated on the same rows, ranked by the task’s metric, each tested against the champion',
      params: Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object(
        { dataset_version_id: Type.String({ format: 'uuid' }), split: Split },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          metric: Type.String(),
          champion_id: Nullable(Type.String()),
          rows: Type.Integer(),
          entries: Type.Array(
            Type.Object({
              rank: Type.Integer(),
              model: ModelVersion,
              evaluation_id: Type.String(),
              score: Nullable(Type.Number()),
              accuracy: Nullable(Type.Number()),
              macro_f1: Type.Number(),
              weighted_f1: Type.Number(),
              cost_per_1000: Nullable(Type.Number()),
              latency_ms: Nullable(Loose),
              training_cost_usd: Nullable(Type.Number()),
              lineage_training_cost_usd: Nullable(
                Type.Number({ description: 'training_cost_usd plus its ancestors’ (continued training)' }),
              ),
              failed_calls: Type.Integer({ description: 'Rows whose call errored: no answer came back' }),
              unparseable_answers: Type.Integer({ description: 'Rows whose answer named no label' }),
              unknown_labels: Type.Integer({ description: 'Rows answered with a label outside the task' }),
              failure_rate: Nullable(
                Type.Number({ description: 'All three over the rows: what the policy’s max_failure_rate limits' }),
              ),
              stages: CascadeStageShares,
              versus_champion: Nullable(
                Type.Object(
                  { only_this_right: Type.Integer(), only_champion_right: Type.Integer(), p_value: Type.Number() },
                  {
                    description:
                      'Exact McNemar test on the same rows; null for the champion itself, with no champion, or when the two scored different rows',
                  },
                ),
              ),
            }),
          ),
        }),
        ...authenticatedErrors(404),
      },
    },
    handler: async (request) => {
      const board = await leaderboard.build(request.params.task, request.query.dataset_version_id, request.query.split);
      return {
        metric: board.routing.metric,
        champion_id: board.routing.championId,
        rows: board.rows,
        entries: board.entries.map((entry, index) => ({
          rank: index + 1,
          model: presentModelVersion(entry.model),
          evaluation_id: entry.evaluation.id,
          score: entry.score,
          ...metricsSummary(entry.metrics),
          training_cost_usd: entry.model.trainingCostUsd,
          lineage_training_cost_usd: entry.model.lineageTrainingCostUsd,
          ...entry.failures,
          stages: entry.stages,
          versus_champion: entry.versusChampion,
        })),
      };
    },
  });
};
