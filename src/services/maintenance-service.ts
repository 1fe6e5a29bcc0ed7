import type { ApiKeysRepository } from '../db/repositories/api-keys-repository.js';
import type { Queues } from '../queues/queue-registry.js';

const DAY_MS = 24 * 3600 * 1000;

export const housekeepingService = ({
  apiKeys,
  queues,
  revokedKeyRetentionDays,
}: {
  apiKeys: ApiKeysRepository;
  queues: Queues;
  revokedKeyRetentionDays: number;
}) => ({
  /**
   * Asks a worker to purge dead keys. The job id is per hour, so a burst of requests enqueues one
   * job, not many.
   */
  async requestKeyPurge(now = new Date()): Promise<{ jobId: string }> {
    const jobId = `purge-revoked-keys-${now.toISOString().slice(0, 13)}`;
    await queues.enqueue('housekeeping', { v: 1, kind: 'purge-revoked-keys' }, { jobId });
    return { jobId };
  },

  /** Deletes keys revoked or expired longer ago than the retention period. Safe to run twice. */
  async purgeDeadKeys(now = new Date()): Promise<{ deleted: number }> {
    const cutoff = new Date(now.getTime() - revokedKeyRetentionDays * DAY_MS);
    return { deleted: await apiKeys.deleteDeadBefore(cutoff) };
  },
});

export type HousekeepingService = ReturnType<typeof housekeepingService>;
