import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { MaintenanceService } from '../../../services/maintenance-service.js';
import { authenticatedErrors } from '../../schemas/common.js';

const EnqueuedJob = Type.Object({
  queue: Type.String(),
  job_id: Type.String({ description: 'Repeated requests within the hour return the same job' }),
});

export const maintenanceRoutes: FastifyPluginAsyncTypebox<{ maintenance: MaintenanceService }> = async (
  app,
  { maintenance },
) => {
  app.post('/v1/maintenance/purge-revoked-keys', {
    config: { access: 'admin' },
    schema: {
      tags: ['maintenance'],
      operationId: 'purgeRevokedKeys',
      summary: 'Delete keys revoked or expired longer ago than REVOKED_KEY_RETENTION_DAYS (runs on a worker)',
      response: { 202: EnqueuedJob, ...authenticatedErrors(503) },
    },
    handler: async (_request, reply) => {
      const { jobId } = await maintenance.requestKeyPurge();
      return reply.status(202).send({ queue: 'housekeeping', job_id: jobId });
    },
  });
};
