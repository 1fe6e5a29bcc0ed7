import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { DatasetRow, LabelSource, Split, StoredRow } from '../../domain/datasets/rows.js';
import type { Executor } from '../client.js';
import { datasetRows, examples } from '../schema/datasets.js';

export interface RowFilter {
  split?: Split | 'unassigned';
  label?: string;
  labelSource?: LabelSource | 'none';
  /** Fine-tuning exports leave unlabeled rows out. */
  labeledOnly?: boolean;
}

const rowColumns = {
  position: datasetRows.position,
  exampleId: datasetRows.exampleId,
  text: examples.text,
  tokens: examples.tokens,
  label: datasetRows.label,
  labelSource: datasetRows.labelSource,
  confidence: datasetRows.confidence,
  split: datasetRows.split,
};

const toStored = (row: {
  position: number;
  exampleId: string;
  text: string;
  tokens: number;
  label: string | null;
  labelSource: string | null;
  confidence: number | null;
  split: string | null;
}): StoredRow => ({ ...row, labelSource: row.labelSource as LabelSource | null, split: row.split as Split | null });

function filterConditions(filter: RowFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.split === 'unassigned') conditions.push(sql`${datasetRows.split} IS NULL`);
  else if (filter.split) conditions.push(eq(datasetRows.split, filter.split));
  if (filter.label !== undefined) conditions.push(eq(datasetRows.label, filter.label));
  if (filter.labeledOnly) conditions.push(sql`${datasetRows.label} IS NOT NULL`);
  if (filter.labelSource === 'none') conditions.push(sql`${datasetRows.labelSource} IS NULL`);
  else if (filter.labelSource) conditions.push(eq(datasetRows.labelSource, filter.labelSource));
  return conditions;
}

export const datasetRowsRepository = (db: Executor) => ({
  /** Inserts texts not stored yet; existing ones are shared (same content, same id). */
  async insertExamples(rows: { id: string; text: string; tokens: number }[], tx: Executor = db): Promise<void> {
    if (rows.length === 0) return;
    await tx.execute(sql`
      INSERT INTO ${examples} (id, text, tokens)
      SELECT * FROM unnest(${sql.param(rows.map((r) => r.id))}::text[], ${sql.param(rows.map((r) => r.text))}::text[],
                           ${sql.param(rows.map((r) => r.tokens))}::int[])
      ON CONFLICT (id) DO NOTHING`);
  },

  /** One statement per batch: positions are `firstPosition`, `firstPosition + 1`, ... */
  async insertRows(versionId: string, firstPosition: number, rows: DatasetRow[], tx: Executor = db): Promise<void> {
    if (rows.length === 0) return;
    await tx.execute(sql`
      INSERT INTO ${datasetRows} (version_id, position, example_id, label, label_source, confidence, split)
      SELECT ${versionId}::uuid, p, e, l, s, c, sp
      FROM unnest(${sql.param(rows.map((_, i) => firstPosition + i))}::int[],
                  ${sql.param(rows.map((r) => r.exampleId))}::text[],
                  ${sql.param(rows.map((r) => r.label))}::text[],
                  ${sql.param(rows.map((r) => r.labelSource))}::text[],
                  ${sql.param(rows.map((r) => r.confidence))}::real[],
                  ${sql.param(rows.map((r) => r.split))}::text[]) AS t(p, e, l, s, c, sp)`);
  },

  async textsByIds(ids: string[], tx: Executor = db): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await tx
      .select({ id: examples.id, text: examples.text })
      .from(examples)
      .where(inArray(examples.id, ids));
    return new Map(rows.map((row) => [row.id, row.text]));
  },

  /** Every row of a version, in order, with its text: the input of a derivation. */
  /**
   * The label of each of `exampleIds` in a version (its first row, when a duplicate appears more
   * than once), for showing a page of answers beside the example's current label.
   */
  async labelsFor(
    versionId: string,
    exampleIds: string[],
    tx: Executor = db,
  ): Promise<Map<string, { label: string | null; labelSource: LabelSource | null }>> {
    if (exampleIds.length === 0) return new Map();
    const rows = await tx
      .selectDistinctOn([datasetRows.exampleId], {
        exampleId: datasetRows.exampleId,
        label: datasetRows.label,
        labelSource: datasetRows.labelSource,
      })
      .from(datasetRows)
      .where(and(eq(datasetRows.versionId, versionId), inArray(datasetRows.exampleId, exampleIds)))
      .orderBy(asc(datasetRows.exampleId), asc(datasetRows.position));
    return new Map(
      rows.map((row) => [row.exampleId, { label: row.label, labelSource: row.labelSource as LabelSource | null }]),
    );
  },

  async loadAll(versionId: string, tx: Executor = db): Promise<StoredRow[]> {
    const rows = await tx
      .select(rowColumns)
      .from(datasetRows)
      .innerJoin(examples, eq(examples.id, datasetRows.exampleId))
      .where(eq(datasetRows.versionId, versionId))
      .orderBy(asc(datasetRows.position));
    return rows.map(toStored);
  },

  /**
   * A page of rows after `afterPosition`, fetching one extra to tell whether more exist. The page
   * is cut from dataset_rows first and only then joined to the texts: with fresh, unanalysed rows
   * the planner would otherwise join every remaining row before applying the limit.
   */
  async page(
    versionId: string,
    filter: RowFilter,
    page: { limit: number; afterPosition?: number },
    tx: Executor = db,
  ): Promise<StoredRow[]> {
    const slice = tx
      .select()
      .from(datasetRows)
      .where(
        and(
          eq(datasetRows.versionId, versionId),
          page.afterPosition !== undefined ? gt(datasetRows.position, page.afterPosition) : undefined,
          ...filterConditions(filter),
        ),
      )
      .orderBy(asc(datasetRows.position))
      .limit(page.limit + 1)
      .as('slice');
    const rows = await tx
      .select({
        position: slice.position,
        exampleId: slice.exampleId,
        text: examples.text,
        tokens: examples.tokens,
        label: slice.label,
        labelSource: slice.labelSource,
        confidence: slice.confidence,
        split: slice.split,
      })
      .from(slice)
      .innerJoin(examples, eq(examples.id, slice.exampleId))
      .orderBy(asc(slice.position));
    return rows.map(toStored);
  },

  /** Rows matching `filter` whose stored token count plus `overhead` exceeds `limit`. */
  async countOverTokenLimit(
    versionId: string,
    filter: RowFilter,
    limit: number,
    overhead: number,
    tx: Executor = db,
  ): Promise<number> {
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(datasetRows)
      .innerJoin(examples, eq(examples.id, datasetRows.exampleId))
      .where(
        and(
          eq(datasetRows.versionId, versionId),
          sql`${examples.tokens} + ${overhead} > ${limit}`,
          ...filterConditions(filter),
        ),
      );
    return row?.n ?? 0;
  },

  /** Streams a version's rows in bounded batches (for exports of any size). */
  async *stream(
    versionId: string,
    filter: RowFilter,
    batchSize = 2_000,
    tx: Executor = db,
  ): AsyncGenerator<StoredRow[]> {
    let afterPosition: number | undefined;
    for (;;) {
      const batch = await this.page(versionId, filter, { limit: batchSize, afterPosition }, tx);
      const rows = batch.slice(0, batchSize);
      if (rows.length > 0) yield rows;
      if (batch.length <= batchSize) return;
      afterPosition = rows.at(-1)!.position;
    }
  },
});

export type DatasetRowsRepository = ReturnType<typeof datasetRowsRepository>;
