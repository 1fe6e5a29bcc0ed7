import type { ApiKeysRepository } from '../db/repositories/api-keys-repository.js';
import { keyPurgeJob, type Queues } from '../queues/queue-registry.js';

const DAY_MS = 24 * 3600 * 1000;

/** Maintenance chores, asked for over the API and run by the housekeeping queue's worker. */
export const maintenanceService = ({
  apiKeysRepo,
  queues,
  revokedKeyRetentionDays,
}: {
  apiKeysRepo: Pick<ApiKeysRepository, 'deleteDeadBefore'>;
  queues: Pick<Queues, 'enqueue'>;
  revokedKeyRetentionDays: number;
}) => ({
  /** Asks a worker to purge dead keys (one job per hour, however many ask). */
  async requestKeyPurge(now = new Date()): Promise<{ jobId: string }> {
    const { data, jobId } = keyPurgeJob(now);
    await queues.enqueue('housekeeping', data, { jobId });
    return { jobId };
  },

  /** Deletes keys revoked or expired longer ago than the retention period. Safe to run twice. */
  async purgeDeadKeys(now = new Date()): Promise<{ deleted: number }> {
    const cutoff = new Date(now.getTime() - revokedKeyRetentionDays * DAY_MS);
    return { deleted: await apiKeysRepo.deleteDeadBefore(cutoff) };
  },
});

export type MaintenanceService = ReturnType<typeof maintenanceService>;
