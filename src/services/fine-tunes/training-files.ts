import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { DatasetVersionRecord } from '../../db/schema/datasets.js';
import type { TaskRow } from '../../db/schema/tasks.js';
import { exportLine, type ExportFormat } from '../../domain/datasets/export-formats.js';
import type { Split } from '../../domain/datasets/rows.js';
import { countTokens } from '../../domain/datasets/tokens.js';

// Chat formatting costs a few tokens per message beyond the texts.
const CHAT_OVERHEAD_TOKENS = 12;

/**
 * A split as a provider's training file (JSONL in `format`, the one the provider trains `model` on), with
 * the tokens each example costs. Training files are small (a few MB at most for classification),
 * so they are built in memory.
 */
export async function buildTrainingFile(
  rows: Pick<DatasetRowsRepository, 'stream'>,
  task: TaskRow,
  version: DatasetVersionRecord,
  split: Split,
  { model, format, systemMessage = true }: { model: string; format: ExportFormat; systemMessage?: boolean },
): Promise<{ content: Buffer; examples: number; tokens: number[] }> {
  const context = { instructions: task.instructions, codes: version.labelCodes, systemMessage };
  const instructionTokens =
    format === 'openai-chat' && systemMessage ? countTokens(task.instructions, model) + CHAT_OVERHEAD_TOKENS : 0;
  const lines: string[] = [];
  const tokens: number[] = [];
  for await (const batch of rows.stream(version.id, { split, labeledOnly: true })) {
    for (const row of batch) {
      lines.push(exportLine(row, format, context));
      tokens.push(instructionTokens + row.tokens + countTokens(row.label ?? '', model));
    }
  }
  return { content: Buffer.from(lines.map((line) => `${line}\n`).join('')), examples: lines.length, tokens };
}
