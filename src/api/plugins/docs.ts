import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ProblemSchema } from '../schemas/common.js';
import { markRoutes } from './mark-routes.js';

export const OPENAPI_INFO = {
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
        { name: 'api-keys', description: 'Keys and their scopes (admin)' },
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
    // Name shared schemas after their $id instead of def-0, def-1, ...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
  });
  await app.register(async (docs) => {
    markRoutes(docs, { access: 'public' });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
}
