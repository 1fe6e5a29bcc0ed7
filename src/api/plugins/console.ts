import { existsSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../errors.js';
import { NO_TASK } from '../task-bindings.js';
import { markRoutes } from './mark-routes.js';

const CONSOLE_PATH = '/console';
// The routes set cache-control themselves: pages must be revalidated, hashed assets never.
const OWN_CACHE_CONTROL = { cacheControl: false } as const;

/**
 * The web console (console/, built by `npm run build`) at /console. The files are public: the
 * console signs in with an API key the person types, and every figure it shows comes from the API.
 * Paths without a file extension are the console's own pages, so they all get index.html.
 */
export async function installConsole(app: FastifyInstance, directory: string): Promise<void> {
  const root = resolve(directory);
  const index = join(root, 'index.html');
  await app.register(async (scope) => {
    markRoutes(scope, { access: 'public', tasks: NO_TASK });
    // Only reply.sendFile: the routes below decide what a path means.
    await scope.register(fastifyStatic, { root, serve: false });

    // Checked per request, so a build made while the API runs is served without a restart.
    scope.addHook('onRequest', async () => {
      if (!existsSync(index)) throw errors.consoleNotBuilt(directory);
    });

    scope.get(CONSOLE_PATH, async (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`, 301));
    scope.get(`${CONSOLE_PATH}/*`, async (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      if (extname(path) === '') {
        return reply.header('cache-control', 'no-cache').sendFile('index.html', OWN_CACHE_CONTROL);
      }
      const file = resolve(root, path);
      // Nothing outside the build, whatever the path spells.
      if (!file.startsWith(`${root}${sep}`) || !existsSync(file))
        throw errors.routeNotFound(request.method, request.url);
      // Vite names built assets by their content hash, so they never change under the same name.
      const immutable = path.startsWith('assets/');
      return reply
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .sendFile(path, OWN_CACHE_CONTROL);
    });
  });
}
