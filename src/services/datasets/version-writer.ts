import { labelCodes } from '../../domain/datasets/export-formats.js';
import type { DatasetRow } from '../../domain/datasets/rows.js';
import { contentHash, versionStats } from '../../domain/datasets/stats.js';
import { countTokens } from '../../domain/datasets/tokens.js';
import type { Executor } from '../../db/client.js';
import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { DatasetVersionsRepository, NewVersion } from '../../db/repositories/dataset-versions-repository.js';
import type { DatasetVersionRecord } from '../../db/schema/datasets.js';
import type { LabelDefinition } from '../../domain/task-definition.js';

/** Stored token counts use o200k_base, the tokenizer of the OpenAI models people fine-tune today. */
export const STATS_TOKENIZER_MODEL = 'gpt-4o-mini';
// Rows per INSERT: large enough to amortise round trips, small enough to bound memory per statement.
const BATCH = 5_000;

/**
 * Accumulates a version's rows in batches and finishes it. Callers run it inside a transaction, so
 * a version is either complete and numbered or absent: never half-written.
 */
export function startVersion(
  deps: {
    datasetVersionsRepo: Pick<DatasetVersionsRepository, 'insertPending' | 'finalize'>;
    datasetRowsRepo: Pick<DatasetRowsRepository, 'insertExamples' | 'insertRows'>;
    tx: Executor;
  },
  version: NewVersion,
) {
  const all: DatasetRow[] = [];
  const tokens: number[] = [];
  let pending: DatasetRow[] = [];
  let pendingExamples: { id: string; text: string; tokens: number }[] = [];
  let written = 0;
  let started = false;

  const flush = async () => {
    if (!started) {
      await deps.datasetVersionsRepo.insertPending(version, deps.tx);
      started = true;
    }
    await deps.datasetRowsRepo.insertExamples(pendingExamples, deps.tx);
    await deps.datasetRowsRepo.insertRows(version.id, written, pending, deps.tx);
    written += pending.length;
    pending = [];
    pendingExamples = [];
  };

  return {
    get count() {
      return all.length;
    },

    /** `tokenCount` is known for rows copied from a parent; new texts are counted here. */
    async add(row: DatasetRow, tokenCount?: number): Promise<void> {
      const count = tokenCount ?? countTokens(row.text, STATS_TOKENIZER_MODEL);
      if (tokenCount === undefined) pendingExamples.push({ id: row.exampleId, text: row.text, tokens: count });
      // Keep what statistics need, not the text: a 100,000-row import must not hold every text.
      all.push({ ...row, text: '' });
      tokens.push(count);
      pending.push(row);
      if (pending.length >= BATCH) await flush();
    },

    async finish(labels: LabelDefinition[], report: Record<string, unknown>): Promise<DatasetVersionRecord> {
      await flush();
      return deps.datasetVersionsRepo.finalize(
        version.id,
        version.datasetId,
        {
          stats: { ...versionStats(all, tokens), tokenizer_model: STATS_TOKENIZER_MODEL },
          report,
          labelCodes: labelCodes(labels),
          rowCount: all.length,
          contentHash: contentHash(all),
        },
        deps.tx,
      );
    },
  };
}
