import type { Job } from 'bullmq';
import type { MaintenanceService } from '../../services/maintenance-service.js';
import type { ShutdownRetrains } from '../../services/routing/shutdown-retrains.js';
import type { HousekeepingJob } from '../../queues/queue-registry.js';

/**
 * Both chores are idempotent: purging deletes what is past the cutoff now, and a shutdown check
 * starts at most one retrain per task and shutdown date. A retried job is harmless.
 */
export const housekeepingProcessor =
  ({
    maintenance,
    shutdownRetrains,
  }: {
    maintenance: Pick<MaintenanceService, 'purgeDeadKeys'>;
    shutdownRetrains: Pick<ShutdownRetrains, 'check'>;
  }) =>
  async (job: Job<HousekeepingJob>) => {
    switch (job.data.kind) {
      case 'purge-revoked-keys':
        return maintenance.purgeDeadKeys();
      case 'check-model-shutdowns':
        return shutdownRetrains.check();
    }
  };
