import type { FastifyInstance } from 'fastify';
import type { RecordedRequest } from './request-log.js';
import { isSerializableScript, type SerializableScript } from './scripting.js';

/**
 * `/_fake/*`: lets a test in another process drive a provider fake. Not rate-limited, not logged,
 * no faults, no auth: it is not part of the provider's surface.
 */
export interface ControlTarget<Options extends object> {
  configure(patch: Options): void;
  script(rule: SerializableScript | null): void;
  reset(): void;
  stats(): unknown;
  options(): Record<string, unknown>;
  requests: RecordedRequest[];
  clearRequests(): void;
  url: () => string;
}

const NOT_SERIALIZABLE = ['now', 'host', 'port'] as const;

export function controlRoutes<Options extends object>(app: FastifyInstance, target: ControlTarget<Options>): void {
  const badRequest = (message: string) => Object.assign(new Error(message), { statusCode: 400 });

  app.get('/health', async () => ({ ok: true, url: target.url() }));
  app.get('/options', async () => target.options());
  app.get('/stats', async () => target.stats());

  app.post('/configure', async (request) => {
    const patch = request.body;
    if (!patch || typeof patch !== 'object' || Array.isArray(patch))
      throw badRequest('Send a JSON object of options to change.');
    const options = { ...(patch as Record<string, unknown>) };
    for (const key of NOT_SERIALIZABLE) delete options[key];
    if ('script' in options && options['script'] !== null && !isSerializableScript(options['script'])) {
      throw badRequest('script must be { table, default? } or { rules: [{ contains, answer }], default }.');
    }
    if (options['script'] === null) options['script'] = undefined;
    target.configure(options as Options);
    return target.options();
  });

  app.post('/script', async (request) => {
    const rule = request.body ?? null;
    if (rule !== null && !isSerializableScript(rule)) {
      throw badRequest(
        'script must be { table, default? } or { rules: [{ contains, answer }], default }, or null to clear it.',
      );
    }
    target.script(rule);
    return { ok: true, script: rule };
  });

  app.post('/reset', async () => {
    target.reset();
    return { ok: true };
  });

  app.get<{ Querystring: { limit?: string; path?: string } }>('/requests', async (request) => {
    const limit = Number(request.query.limit ?? 100);
    const path = request.query.path;
    const matching = path ? target.requests.filter((entry) => entry.path === path) : target.requests;
    return { data: matching.slice(-Math.max(1, limit)) };
  });

  app.delete('/requests', async () => {
    target.clearRequests();
    return { ok: true };
  });
}
