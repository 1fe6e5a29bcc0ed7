import type { Job } from 'bullmq';
import type { MaintenanceService } from '../../services/maintenance-service.js';
import type { HousekeepingJob } from '../../queues/queue-registry.js';

/** Purging is idempotent (it deletes what is past the cutoff now), so a retried job is harmless. */
export const housekeepingProcessor =
  ({ maintenance }: { maintenance: Pick<MaintenanceService, 'purgeDeadKeys'> }) =>
  async (job: Job<HousekeepingJob>) => {
    switch (job.data.kind) {
      case 'purge-revoked-keys':
        return maintenance.purgeDeadKeys();
    }
  };
