import type { FastifyContextConfig, FastifyInstance } from 'fastify';

/**
 * Gives every route a third-party plugin registers in this (encapsulated) instance the same
 * route config, e.g. its access level, since such plugins do not let us set it per route.
 */
export function markRoutes(instance: FastifyInstance, config: FastifyContextConfig): void {
  instance.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), ...config };
    route.schema = { ...(route.schema ?? {}), hide: true };
  });
}
