import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Registry } from 'prom-client';
import { errors } from '../../../errors.js';
import type { HealthService } from '../../../services/health-service.js';
import { errorResponses } from '../../schemas/common.js';

const Check = Type.Object({
  status: Type.Enum(['up', 'down']),
  latency_ms: Type.Number(),
  error: Type.Optional(Type.String()),
});

const PredictionLogCheck = Type.Object({
  status: Type.Enum(['up', 'down']),
  buffered: Type.Integer({ description: 'Prediction records waiting to be written' }),
  error: Type.Optional(
    Type.String({
      description: 'Why it cannot write: buffer full, or no write for PREDICTION_LOG_STALL_MS with records pending',
    }),
  ),
});

const Readiness = Type.Object({
  status: Type.Literal('ready'),
  checks: Type.Object({ postgres: Check, redis: Check, prediction_log: PredictionLogCheck }),
});

const tags = ['health'];

export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService; metrics: Registry }> = async (
  app,
  { health, metrics },
) => {
  app.get('/health/live', {
    config: { access: 'public' },
    schema: {
      tags,
      operationId: 'live',
      summary: 'The process is up (no dependency checks)',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/health/ready', {
    config: { access: 'public' },
    schema: {
      tags,
      operationId: 'ready',
      summary:
        'Postgres and Redis answer, the prediction log is writing and the instance is not shutting down; 503 otherwise',
      response: { 200: Readiness, ...errorResponses(503) },
    },
    handler: async () => {
      const { ready, draining, checks } = await health.readiness();
      if (draining) throw errors.unavailable('Not ready: shutting down.', { checks, draining: true });
      if (!ready) {
        const down = Object.entries(checks).filter(([, check]) => check.status === 'down');
        const reasons = down.map(([name, check]) =>
          name === 'prediction_log' ? `prediction_log cannot write (${check.error})` : `${name} unreachable`,
        );
        throw errors.unavailable(`Not ready: ${reasons.join('; ')}.`, { checks, down: down.map(([name]) => name) });
      }
      return { status: 'ready' as const, checks };
    },
  });

  app.get('/metrics', {
    config: { access: 'public' },
    schema: {
      tags,
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
    },
    handler: async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  });
};
