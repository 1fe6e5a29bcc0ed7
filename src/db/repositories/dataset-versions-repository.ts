import { and, desc, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import type { StoredVersionStats } from '../../domain/datasets/stats.js';
import { datasets, datasetVersions, type DatasetVersionRecord } from '../schema/datasets.js';

export interface NewVersion {
  id: string;
  datasetId: string;
  parentId: string | null;
  operation: string;
  params: Record<string, unknown>;
}

export interface VersionSummary {
  stats: StoredVersionStats;
  report: Record<string, unknown>;
  labelCodes: Record<string, string>;
  rowCount: number;
  contentHash: string;
}

export const datasetVersionsRepository = (db: Executor) => ({
  /** A version starts unnumbered, so its rows can be written before it becomes visible. */
  async insertPending(version: NewVersion, tx: Executor = db): Promise<void> {
    await tx.insert(datasetVersions).values({ ...version, number: null });
  },

  /**
   * Numbers the version and stores its summary. Locking the dataset row serialises concurrent
   * writers at this last step only, so two imports stream in parallel and get consecutive numbers.
   * NO KEY UPDATE, not UPDATE: the versions' foreign keys hold KEY SHARE locks on the same row,
   * which FOR UPDATE would wait on (two writers would deadlock).
   */
  async finalize(
    versionId: string,
    datasetId: string,
    summary: VersionSummary,
    tx: Executor = db,
  ): Promise<DatasetVersionRecord> {
    await tx.execute(sql`SELECT 1 FROM ${datasets} WHERE ${datasets.id} = ${datasetId} FOR NO KEY UPDATE`);
    const [row] = await tx
      .update(datasetVersions)
      .set({
        ...summary,
        number: sql`(SELECT coalesce(max(${datasetVersions.number}), 0) + 1 FROM ${datasetVersions} WHERE ${datasetVersions.datasetId} = ${datasetId})`,
      })
      .where(eq(datasetVersions.id, versionId))
      .returning();
    return row!;
  },

  /** How a version and each of its ancestors were made, from the version back to its root. */
  async lineage(id: string, tx: Executor = db): Promise<{ operation: string; params: Record<string, unknown> }[]> {
    const result = await tx.execute<{ operation: string; params: Record<string, unknown> }>(sql`
      WITH RECURSIVE chain(id, parent_id, operation, params, depth) AS (
        SELECT id, parent_id, operation, params, 0 FROM ${datasetVersions} WHERE id = ${id}
        UNION ALL
        SELECT v.id, v.parent_id, v.operation, v.params, chain.depth + 1
        FROM ${datasetVersions} v JOIN chain ON v.id = chain.parent_id
      )
      SELECT operation, params FROM chain ORDER BY depth`);
    return result.rows;
  },

  async findById(id: string, tx: Executor = db): Promise<DatasetVersionRecord | undefined> {
    const [row] = await tx
      .select()
      .from(datasetVersions)
      .where(and(eq(datasetVersions.id, id), isNotNull(datasetVersions.number)))
      .limit(1);
    return row;
  },

  /** A finished version made from `parentId` by the same operation and parameters, if any. */
  async derivation(
    parentId: string,
    operation: string,
    params: Record<string, unknown>,
    tx: Executor = db,
  ): Promise<DatasetVersionRecord | undefined> {
    const [row] = await tx
      .select()
      .from(datasetVersions)
      .where(
        and(
          eq(datasetVersions.parentId, parentId),
          eq(datasetVersions.operation, operation),
          sql`${datasetVersions.params} = ${JSON.stringify(params)}::jsonb`,
          isNotNull(datasetVersions.number),
        ),
      )
      .orderBy(desc(datasetVersions.number))
      .limit(1);
    return row;
  },

  async latest(datasetId: string, tx: Executor = db): Promise<DatasetVersionRecord | undefined> {
    const [row] = await tx
      .select()
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetId, datasetId), isNotNull(datasetVersions.number)))
      .orderBy(desc(datasetVersions.number))
      .limit(1);
    return row;
  },

  /** Newest first; `after` is the number of the last version of the previous page. */
  async list(
    datasetId: string,
    page: { limit: number; after?: number },
    tx: Executor = db,
  ): Promise<DatasetVersionRecord[]> {
    return tx
      .select()
      .from(datasetVersions)
      .where(
        and(
          eq(datasetVersions.datasetId, datasetId),
          isNotNull(datasetVersions.number),
          page.after !== undefined ? lt(datasetVersions.number, page.after) : undefined,
        ),
      )
      .orderBy(desc(datasetVersions.number))
      .limit(page.limit + 1);
  },
});

export type DatasetVersionsRepository = ReturnType<typeof datasetVersionsRepository>;
