import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import { hasScope, type Scope } from '../../domain/scopes.js';
import type { ApiKeysService, Principal } from '../../services/api-keys-service.js';

/** Who may call a route: anyone, any valid key, or a key with a given scope. */
export type Access = 'public' | 'authenticated' | Scope;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes that do not say are admin-only: forgetting to declare access fails closed. */
    access?: Access;
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

export function installAuth(app: FastifyInstance, apiKeys: ApiKeysService): void {
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
    if (access !== 'authenticated' && !hasScope(principal.scopes, access)) throw errors.forbidden(access);
  });
}
