import { and, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { RATE_WINDOW_MS, type ProgressBucket } from '../../domain/progress/sliding-rate.js';
import type { Executor } from '../client.js';

export interface RecentProgress {
  /** The database's clock, which stamped the rows: the rate is measured against it. */
  nowMs: number;
  buckets: ProgressBucket[];
}

/**
 * Rows written in the last window, counted per second (each bucket at its last row's time): the
 * progress samples of work whose progress is counted from its stored rows. The created-at index
 * on those rows keeps this to the window.
 */
export async function recentProgress(
  tx: Executor,
  table: PgTable,
  createdAt: AnyPgColumn,
  where: SQL,
): Promise<RecentProgress> {
  const second = sql`floor(extract(epoch FROM ${createdAt}))`;
  const rows = await tx
    .select({
      atMs: sql<number>`(extract(epoch FROM max(${createdAt})) * 1000)::float8`,
      count: sql<number>`count(*)::int`,
      nowMs: sql<number>`(extract(epoch FROM now()) * 1000)::float8`,
    })
    .from(table)
    .where(and(where, sql`${createdAt} > now() - make_interval(secs => ${RATE_WINDOW_MS / 1000})`))
    .groupBy(second)
    .orderBy(second);
  // No rows, no samples: then the clock does not matter.
  return {
    nowMs: Number(rows[0]?.nowMs ?? Date.now()),
    buckets: rows.map((row) => ({ atMs: Number(row.atMs), count: row.count })),
  };
}
