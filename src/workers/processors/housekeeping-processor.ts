import type { Job } from 'bullmq';
import type { HousekeepingService } from '../../services/maintenance-service.js';
import type { HousekeepingJob } from '../../queues/queue-registry.js';

/** Purging is idempotent (it deletes what is past the cutoff now), so a retried job is harmless. */
export const housekeepingProcessor =
  ({ housekeeping }: { housekeeping: HousekeepingService }) =>
  async (job: Job<HousekeepingJob>) => {
    switch (job.data.kind) {
      case 'purge-revoked-keys':
        return housekeeping.purgeDeadKeys();
    }
  };
