import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import { hasScope, type Scope } from '../../domain/scopes.js';
import { allowsTaskId, allowsTaskRef } from '../../domain/task-limits.js';
import type { ApiKeysService, Principal } from '../../services/api-keys-service.js';
import { OWNED_RESOURCES, type TaskOwners } from '../../services/task-owners.js';
import type { TaskBinding } from '../task-bindings.js';

/** Who may call a route: anyone, any valid key, or a key with a given scope (see src/domain/scopes.ts). */
export type Access = 'public' | 'any_key' | Scope;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes that do not say are admin-only: forgetting to declare access fails closed. */
    access?: Access;
    /**
     * The task resources a request names (src/api/task-bindings.ts), checked for keys limited to
     * some tasks; `[]` names none. Routes that do not say refuse such keys: forgetting fails closed.
     */
    tasks?: readonly TaskBinding[];
    /** Browsers cannot send bearer tokens, so pages such as Bull Board also take HTTP Basic. */
    basicAuth?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function credentialOf(request: FastifyRequest, allowBasic: boolean): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (allowBasic && scheme?.toLowerCase() === 'basic') {
    // Any user name; the API key is the password.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) || undefined;
  }
  return undefined;
}

export function installAuth(app: FastifyInstance, apiKeys: ApiKeysService, owners: TaskOwners): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    // Unmatched URLs fall through to the 404 handler, which reveals nothing.
    if (!request.routeOptions.url) return;
    const config = request.routeOptions.config;
    const access: Access = config.access ?? 'admin';
    if (access === 'public') return;
    const key = credentialOf(request, config.basicAuth === true);
    const principal = key ? await apiKeys.authenticate(key) : undefined;
    if (!principal) {
      reply.header('www-authenticate', config.basicAuth ? 'Basic realm="tuneline"' : 'Bearer realm="tuneline"');
      throw errors.unauthenticated();
    }
    request.principal = principal;
    if (access !== 'any_key' && !hasScope(principal.scopes, access)) throw errors.forbidden(access);
  });

  // After the body is parsed (ids can be in it) and before validation, so another task's resource
  // answers 404 whatever else is wrong with the request. Another task's resource is "not found",
  // exactly as an id that never existed: a limited key learns nothing about other tasks.
  app.addHook('preValidation', async (request) => {
    const limit = request.principal?.tasks;
    if (!limit) return;
    const bindings = request.routeOptions.config.tasks;
    if (!bindings) throw errors.limitedToTasks();
    for (const named of bindings.flatMap((bind) => bind(request))) {
      if (named.kind === 'task') {
        if (!allowsTaskRef(limit, named.id)) throw errors.notFound('task', named.id);
      } else if (!allowsTaskId(limit, await owners.taskOf(named.kind, named.id))) {
        throw errors.notFound(OWNED_RESOURCES[named.kind], named.id);
      }
    }
  });
}
