import { Readable } from 'node:stream';
import type { DatasetRowsRepository, RowFilter } from '../../db/repositories/dataset-rows-repository.js';
import { exportWarnings, type ExportWarning } from '../../domain/datasets/export-checks.js';
import { csvHeader, exportLine, type ExportFormat } from '../../domain/datasets/export-formats.js';
import { SPLITS, type Split } from '../../domain/datasets/rows.js';
import { countTokens } from '../../domain/datasets/tokens.js';
import { fineTuningTokenLimit } from '../../domain/datasets/token-limits.js';
import type { TasksService } from '../tasks-service.js';
import type { DatasetsService } from './datasets-service.js';

export interface ExportRequest {
  format: ExportFormat;
  split: Split | 'all';
  /** The model the export is meant for: sets the token limit checked. */
  model: string;
  /** openai-chat: false leaves the system message out (a fine-tune then learns from the examples alone). */
  system_message?: boolean;
}

const FINE_TUNING: ReadonlySet<ExportFormat> = new Set(['openai-chat', 'openai-completions']);
// Chat formatting adds a few tokens per message beyond the texts themselves.
const CHAT_OVERHEAD_TOKENS = 12;

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);

export const datasetExportService = (deps: {
  datasets: Pick<DatasetsService, 'getVersion' | 'getDataset'>;
  tasks: Pick<TasksService, 'get'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'countOverTokenLimit' | 'stream'>;
}) => {
  const prepare = async (versionId: string, request: ExportRequest) => {
    const version = await deps.datasets.getVersion(versionId);
    const dataset = await deps.datasets.getDataset(version.datasetId);
    const task = await deps.tasks.get(dataset.taskId);
    const { stats } = version;
    const fineTuning = FINE_TUNING.has(request.format);
    const filter: RowFilter = { ...(request.split === 'all' ? {} : { split: request.split }), labeledOnly: fineTuning };

    const inSplit =
      request.split === 'all'
        ? { rows: stats.row_count, label_distribution: stats.label_distribution }
        : stats.splits[request.split];
    const labelCounts = inSplit?.label_distribution ?? {};
    const unlabeled = (inSplit?.rows ?? 0) - sum(labelCounts);
    const overhead =
      request.format === 'openai-chat' && request.system_message !== false
        ? countTokens(task.instructions, request.model) + CHAT_OVERHEAD_TOKENS
        : 0;
    const tokenLimit = fineTuningTokenLimit(request.model);
    const labelCountsBySplit = Object.fromEntries(
      SPLITS.map((split) => [split, stats.splits[split]?.label_distribution ?? {}]),
    ) as Record<Split, Record<string, number>>;
    const rowsInSplit = fineTuning ? sum(labelCounts) : (inSplit?.rows ?? 0);
    const warnings: ExportWarning[] = exportWarnings({
      split: request.split,
      format: request.format,
      labels: task.labels.map((label) => label.name),
      rowsInSplit: inSplit?.rows ?? 0,
      labelCounts,
      unlabeled,
      labelCountsBySplit,
      overTokenLimit: await deps.datasetRowsRepo.countOverTokenLimit(version.id, filter, tokenLimit, overhead),
      tokenLimit,
      codes: version.labelCodes,
    });
    return { version, dataset, task, filter, rowsInSplit, warnings };
  };

  return {
    /** What an export would contain and what is wrong with it, without the rows. */
    async checks(versionId: string, request: ExportRequest) {
      const { version, rowsInSplit, warnings } = await prepare(versionId, request);
      return {
        ...request,
        system_message: request.system_message !== false,
        rows: rowsInSplit,
        label_codes: version.labelCodes,
        warnings,
      };
    },

    /** The export as a stream of lines, read from Postgres in bounded batches. */
    async open(versionId: string, request: ExportRequest) {
      const prepared = await prepare(versionId, request);
      const context = {
        instructions: prepared.task.instructions,
        codes: prepared.version.labelCodes,
        systemMessage: request.system_message !== false,
      };
      const rows = deps.datasetRowsRepo;
      async function* lines() {
        if (request.format === 'csv') yield `${csvHeader()}\n`;
        for await (const batch of rows.stream(prepared.version.id, prepared.filter)) {
          yield batch.map((row) => `${exportLine(row, request.format, context)}\n`).join('');
        }
      }
      const extension = request.format === 'csv' ? 'csv' : 'jsonl';
      return {
        ...prepared,
        filename: `${prepared.dataset.name}-v${prepared.version.number}-${request.split}.${request.format}.${extension}`,
        contentType: request.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8',
        stream: Readable.from(lines()),
      };
    },
  };
};

export type DatasetExportService = ReturnType<typeof datasetExportService>;
