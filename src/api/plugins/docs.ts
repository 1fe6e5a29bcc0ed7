import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ProblemSchema } from '../schemas/common.js';
import { markRoutes } from './mark-routes.js';
import { RAW_UPLOAD_TYPES } from '../routes/datasets/upload.js';

const OPENAPI_INFO = {
  title: 'Tuneline API',
  version: '0.1.0',
  description:
    'Turns examples into the cheapest accurate text classifier and keeps serving it. ' +
    'Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 `application/problem+json`.',
};

/** OpenAPI from the route schemas, and Swagger UI at /docs (public: it shows no data). */
export async function installDocs(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'tasks', description: 'Classification problems: instructions and label sets' },
        { name: 'datasets', description: 'Imports, immutable versions, preparation, review and export' },
        { name: 'labeling', description: 'Rate-limited, resumable LLM labeling runs' },
        { name: 'training', description: 'Fine-tuning at providers and the local trainer' },
        { name: 'models', description: 'Model versions: prompt-only, fine-tuned and local' },
        { name: 'evaluation', description: 'Scoring models on held-out rows; reports and the leaderboard' },
        { name: 'routing', description: 'Champion, fallback, promotion policy and its audit history' },
        {
          name: 'pipelines',
          description: 'The whole loop as one flow of steps: label, prepare, train, evaluate, promote',
        },
        { name: 'costs', description: 'Projected cost of ways to classify, with break-even days' },
        { name: 'classify', description: 'The production endpoint: champion first, fallback when it fails' },
        {
          name: 'predictions',
          description: 'The prediction log, feedback, monitoring and merging feedback into datasets',
        },
        { name: 'providers', description: 'Provider connections: kinds, capabilities and health' },
        { name: 'api-keys', description: 'Keys and their scopes (admin); any key may read its own (`GET /v1/me`)' },
        { name: 'maintenance', description: 'Housekeeping jobs (admin)' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
    },
    // Every route that is not public needs a bearer key.
    transform: ({ schema, url, route }) => {
      const transformed = { schema: { ...schema } as Record<string, unknown>, url };
      if (route.config?.access !== 'public') transformed.schema['security'] = [{ bearerAuth: [] }];
      return transformed;
    },
    transformObject: (documentObject) =>
      documentUploads((documentObject as { openapiObject: OpenApiDocument }).openapiObject),
    // Name shared schemas after their $id instead of def-0, def-1, ...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
  });
  await app.register(async (docs) => {
    markRoutes(docs, { access: 'public' });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
}

type OpenApiDocument = { paths?: Record<string, Record<string, { operationId?: string; requestBody?: unknown }>> };

/** Operations that take a file: their bodies are streams, so no route schema can describe them. */
const UPLOAD_OPERATIONS = new Set(['createDataset', 'importDatasetVersion']);

function documentUploads(document: OpenApiDocument): OpenApiDocument {
  const file = { type: 'string', format: 'binary' };
  for (const methods of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      if (!operation.operationId || !UPLOAD_OPERATIONS.has(operation.operationId)) continue;
      operation.requestBody = {
        required: true,
        description: 'The file, as one multipart file part or as the raw body (streamed, never buffered whole).',
        content: {
          'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file } } },
          ...Object.fromEntries(RAW_UPLOAD_TYPES.map((type) => [type, { schema: file }])),
        },
      };
    }
  }
  return document;
}
