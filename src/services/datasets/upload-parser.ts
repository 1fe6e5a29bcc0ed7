import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import {
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
  const parser = stream.pipe(
    parseCsv({
      columns: (header: string[]) => header.map((name) => name.trim()),
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
      yield { line: info.lines, result: parseCsvRecord(record, options) };
    }
  } catch (error) {
    // A structural CSV error (say, an unclosed quote) leaves the rest of the file unreadable.
    const { lines, message } = error as { lines?: number; message: string };
    yield { line: lines ?? 0, result: { ok: false, reason: 'invalid_csv', message: `invalid CSV: ${message}` } };
  }
}
