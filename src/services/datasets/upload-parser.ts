import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse as parseCsv, type Parser } from 'csv-parse';
import {
  checkCsvHeader,
  parseCsvRecord,
  parseJsonLine,
  type ImportFormat,
  type ImportOptions,
  type LineResult,
} from '../../domain/datasets/import-formats.js';

export type UploadLineResult = LineResult | { ok: false; reason: 'invalid_csv'; message: string };

export interface ParsedLine {
  /** 1-based line number in the file (for CSV, the line the record ends on). */
  line: number;
  result: UploadLineResult;
  /** Set on a header the file cannot be read by: the query parameter that named what is missing. */
  headerOption?: 'text_template' | 'text_column';
}

/**
 * Reads an upload one line (or CSV record) at a time. Memory stays bounded by the longest line,
 * and every `await` between lines lets the event loop serve other requests during a big import.
 */
export async function* parseUpload(
  stream: Readable,
  format: ImportFormat,
  options: ImportOptions,
): AsyncGenerator<ParsedLine> {
  if (format === 'csv') {
    yield* parseCsvUpload(stream, options);
    return;
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '' || text === '\uFEFF') continue;
    yield { line, result: parseJsonLine(text, format, options) };
  }
}

async function* parseCsvUpload(stream: Readable, options: ImportOptions): AsyncGenerator<ParsedLine> {
  let header: { columns: string[]; line: number } | undefined;
  const parser: Parser = stream.pipe(
    parseCsv({
      columns: (names: string[]) => {
        header = { columns: names.map((name) => name.trim()), line: Math.max(1, parser.info.lines) };
        return header.columns;
      },
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      if (header) {
        const problem = checkCsvHeader(header.columns, options);
        // The header decides for every record: one error, not one per line.
        if (problem) {
          const result = { ok: false as const, reason: 'missing_column' as const, message: problem.message };
          yield { line: header.line, result, headerOption: problem.option };
          return;
        }
        header = undefined;
      }
      yield { line: info.lines, result: parseCsvRecord(record, options) };
    }
  } catch (error) {
    // A structural CSV error (say, an unclosed quote) leaves the rest of the file unreadable.
    const { lines, message } = error as { lines?: number; message: string };
    yield { line: lines ?? 0, result: { ok: false, reason: 'invalid_csv', message: `invalid CSV: ${message}` } };
  }
}
