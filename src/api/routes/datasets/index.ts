import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DatasetExportService } from '../../../services/datasets/dataset-export.js';
import type { DatasetsService } from '../../../services/datasets/datasets-service.js';
import type { ReviewQueueService } from '../../../services/datasets/review-queue-service.js';
import { authenticatedErrors, presentPage } from '../../schemas/common.js';
import {
  CreateDatasetQuery,
  DatasetPage,
  DatasetParams,
  DatasetVersion,
  DatasetWithLatest,
  DeriveBody,
  ExamplePage,
  ExamplesQuery,
  ExportChecks,
  ExportQuery,
  ImportResult,
  ImportVersionQuery,
  ListQuery,
  presentDataset,
  presentExample,
  presentVersion,
  ReviewBody,
  ReviewQueuePage,
  ReviewQueueQuery,
  presentReviewItem,
  TaskParams,
  VersionPage,
  VersionParams,
} from './schemas.js';
import { acceptUploads, openUpload, uploadFrom } from './upload.js';
import { inPath, taskInPath } from '../../task-bindings.js';

const tags = ['datasets'];

export interface DatasetsRoutesOptions {
  datasets: DatasetsService;
  exports: DatasetExportService;
  reviewQueue: ReviewQueueService;
  importMaxBytes: number;
}

export const datasetsRoutes: FastifyPluginAsyncTypebox<DatasetsRoutesOptions> = async (
  app,
  { datasets, exports, reviewQueue, importMaxBytes },
) => {
  const presentImport = (result: Awaited<ReturnType<DatasetsService['createFromUpload']>>) => ({
    dataset: presentDataset(result.dataset),
    version: presentVersion(result.version),
    import: (result.version.report as { import: never }).import,
  });

  // File uploads take raw and multipart bodies; only these two routes do, so every other route
  // keeps answering 415 to a body that is not JSON.
  await app.register(async (plugin) => {
    const uploads = plugin.withTypeProvider<TypeBoxTypeProvider>();
    await acceptUploads(uploads, importMaxBytes);
    uploads.post('/v1/tasks/:task/datasets', {
      config: { access: 'write', idempotent: { streamedBody: openUpload }, tasks: [taskInPath] },
      bodyLimit: importMaxBytes,
      schema: {
        tags,
        operationId: 'createDataset',
        summary: 'Create a dataset from a file (JSONL, OpenAI chat or legacy JSONL, CSV): version 1',
        description:
          'Send the file as multipart/form-data (one file part) or as the raw body. Options are query parameters.',
        params: TaskParams,
        querystring: CreateDatasetQuery,
        response: { 201: ImportResult, ...authenticatedErrors(404, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        const { name, description } = request.query;
        const result = await datasets.createFromUpload(
          request.params.task,
          { name, description },
          await uploadFrom(request, request.query),
        );
        return reply.status(201).header('location', `/v1/datasets/${result.dataset.id}`).send(presentImport(result));
      },
    });

    uploads.post('/v1/datasets/:dataset/versions', {
      config: { access: 'write', idempotent: { streamedBody: openUpload }, tasks: [inPath('dataset', 'dataset')] },
      bodyLimit: importMaxBytes,
      schema: {
        tags,
        operationId: 'importDatasetVersion',
        summary: 'Import a file as a new version, appended to the latest version or replacing it',
        params: DatasetParams,
        querystring: ImportVersionQuery,
        response: { 201: ImportResult, ...authenticatedErrors(404, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        const result = await datasets.importVersion(
          request.params.dataset,
          request.query.mode,
          await uploadFrom(request, request.query),
        );
        return reply
          .status(201)
          .header('location', `/v1/dataset-versions/${result.version.id}`)
          .send(presentImport(result));
      },
    });
  });
  app.get('/v1/tasks/:task/datasets', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'listDatasets',
      summary: 'List a task’s datasets, newest first',
      params: TaskParams,
      querystring: ListQuery,
      response: { 200: DatasetPage, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const page = await datasets.listDatasets(request.params.task, request.query);
      return presentPage(page, presentDataset);
    },
  });

  app.get('/v1/datasets/:dataset', {
    config: { access: 'read', tasks: [inPath('dataset', 'dataset')] },
    schema: {
      tags,
      operationId: 'getDataset',
      summary: 'Get a dataset and its latest version',
      params: DatasetParams,
      response: { 200: DatasetWithLatest, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const dataset = await datasets.getDataset(request.params.dataset);
      const latest = await datasets.latestVersion(dataset.id);
      return { ...presentDataset(dataset), latest_version: latest ? presentVersion(latest) : null };
    },
  });

  app.get('/v1/datasets/:dataset/versions', {
    config: { access: 'read', tasks: [inPath('dataset', 'dataset')] },
    schema: {
      tags,
      operationId: 'listDatasetVersions',
      summary: 'A dataset’s versions, newest first, each naming its parent (the lineage)',
      params: DatasetParams,
      querystring: ListQuery,
      response: { 200: VersionPage, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const page = await datasets.listVersions(request.params.dataset, request.query);
      return presentPage(page, presentVersion);
    },
  });

  app.get('/v1/dataset-versions/:version', {
    config: { access: 'read', tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'getDatasetVersion',
      summary: 'Get a version: its operation, parameters, statistics and content hash',
      params: VersionParams,
      response: { 200: DatasetVersion, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentVersion(await datasets.getVersion(request.params.version)),
  });

  app.get('/v1/dataset-versions/:version/examples', {
    config: { access: 'read', tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'listDatasetExamples',
      summary: 'A version’s rows in order, filtered by split, label or label source',
      params: VersionParams,
      querystring: ExamplesQuery,
      response: { 200: ExamplePage, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const { limit, cursor, split, label, label_source } = request.query;
      const page = await datasets.listExamples(
        request.params.version,
        { split, label, labelSource: label_source },
        { limit, cursor },
      );
      return presentPage(page, presentExample);
    },
  });

  app.post('/v1/dataset-versions/:version/derive', {
    config: { access: 'write', idempotent: true, tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'deriveDatasetVersion',
      summary: 'Derive a new version by an ordered list of operations (dedupe, clean, filter, relabel, sample, split)',
      params: VersionParams,
      body: DeriveBody,
      response: { 201: DatasetVersion, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const version = await datasets.derive(request.params.version, request.body.operations);
      return reply.status(201).header('location', `/v1/dataset-versions/${version.id}`).send(presentVersion(version));
    },
  });

  app.get('/v1/dataset-versions/:version/review-queue', {
    config: { access: 'read', tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'getDatasetReviewQueue',
      summary:
        'Labeled rows likeliest to be mislabeled first: LLM disagreement, low LLM confidence, out-of-fold disagreement',
      params: VersionParams,
      querystring: ReviewQueueQuery,
      response: { 200: ReviewQueuePage, ...authenticatedErrors(404) },
    },
    handler: async (request) => {
      const { limit, cursor, reason, label, min_score, cross_validation, low_confidence_threshold } = request.query;
      const page = await reviewQueue.queue(
        request.params.version,
        { reason, label, minScore: min_score },
        { limit, cursor, crossValidation: cross_validation, lowConfidence: low_confidence_threshold },
      );
      return {
        data: page.data.map(presentReviewItem),
        next_cursor: page.nextCursor,
        cross_validation: page.crossValidation,
      };
    },
  });

  app.post('/v1/dataset-versions/:version/reviews', {
    config: { access: 'write', idempotent: true, tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'reviewDatasetVersion',
      summary: 'Correct labels in bulk: a new version where those examples have label source `human`',
      params: VersionParams,
      body: ReviewBody,
      response: { 201: DatasetVersion, ...authenticatedErrors(404, 409) },
    },
    handler: async (request, reply) => {
      const { overrides, reviewer } = request.body;
      const version = await datasets.review(
        request.params.version,
        overrides.map((override) => ({ ...override, reviewer: override.reviewer ?? reviewer })),
      );
      return reply.status(201).header('location', `/v1/dataset-versions/${version.id}`).send(presentVersion(version));
    },
  });

  app.get('/v1/dataset-versions/:version/export-checks', {
    config: { access: 'read', tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'checkDatasetExport',
      summary: 'What an export would contain and the pre-fine-tuning warnings, without the rows',
      params: VersionParams,
      querystring: ExportQuery,
      response: { 200: ExportChecks, ...authenticatedErrors(404) },
    },
    handler: async (request) => exports.checks(request.params.version, request.query),
  });

  app.get('/v1/dataset-versions/:version/export', {
    config: { access: 'read', tasks: [inPath('version', 'datasetVersion')] },
    schema: {
      tags,
      operationId: 'exportDatasetVersion',
      summary: 'Stream a split as OpenAI chat JSONL, legacy completions JSONL, plain JSONL or CSV',
      description:
        'Fine-tuning formats leave unlabeled rows out. Warning codes are in the x-tuneline-warnings header; ' +
        'the messages and label codes are at /export-checks.',
      params: VersionParams,
      querystring: ExportQuery,
      produces: ['application/jsonl', 'text/csv'],
      // Documented as text; the handler sends the export as a stream.
      response: {
        200: Type.Unsafe<Readable>({ type: 'string', description: 'One record per line' }),
        ...authenticatedErrors(404),
      },
    },
    handler: async (request, reply) => {
      const exported = await exports.open(request.params.version, request.query);
      return reply
        .type(exported.contentType)
        .header('content-disposition', `attachment; filename="${encodeURIComponent(exported.filename)}"`)
        .header('x-tuneline-warnings', exported.warnings.map((warning) => warning.code).join(','))
        .send(exported.stream);
    },
  });
};
