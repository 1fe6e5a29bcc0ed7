import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { detectFormat, type ImportFormat } from '../../domain/datasets/import-formats.js';
import { newRow, type DatasetRow } from '../../domain/datasets/rows.js';
import { errors, type AppError } from '../../errors.js';
import { byteLimit, peekFirstLine, StreamTooLargeError } from '../../lib/streams.js';
import { parseUpload } from './upload-parser.js';

/** How many line errors a response lists; the total is always given. */
const MAX_REPORTED_ERRORS = 100;

/** An upload as the API hands it over: the body's stream and how to read it. */
export interface UploadInput {
  stream: Readable;
  format?: ImportFormat;
  onError: 'fail' | 'skip';
  labelMap: Record<string, string>;
  promptSuffix?: string;
  textColumn?: string;
  labelColumn?: string;
}

export interface LineError {
  line: number;
  reason: string;
  message: string;
}

export interface ImportOutcome {
  format: ImportFormat;
  rowsRead: number;
  imported: number;
  errorCount: number;
  errors: LineError[];
}

/**
 * Streams an upload into `add`, validating every line. With on_error=fail the first bad line stops
 * the writing (the caller's transaction is rolled back) but reading goes on, so the response can
 * report every bad line of the file at once.
 */
export async function importUpload(
  upload: UploadInput,
  context: {
    labels: string[];
    limits: { maxTextChars: number; importMaxBytes: number };
    add: (row: DatasetRow) => Promise<void>;
  },
): Promise<ImportOutcome> {
  const limited = new PassThrough();
  const piping = pipeline(upload.stream, byteLimit(context.limits.importMaxBytes), limited);
  piping.catch((error: unknown) => limited.destroy(error as Error));

  try {
    const { firstLine, stream } = await peekFirstLine(limited);
    if (firstLine === '') throw errors.emptyFile('The upload is empty.');
    const format = upload.format ?? detectFormat(firstLine);
    if (!format) {
      throw errors.unknownFormat();
    }
    const outcome: ImportOutcome = { format, rowsRead: 0, imported: 0, errorCount: 0, errors: [] };
    const options = {
      labels: context.labels,
      labelMap: upload.labelMap,
      maxTextChars: context.limits.maxTextChars,
      promptSuffix: upload.promptSuffix,
      textColumn: upload.textColumn,
      labelColumn: upload.labelColumn,
    };
    for await (const { line, result } of parseUpload(stream, format, options)) {
      outcome.rowsRead += 1;
      if (!result.ok) {
        outcome.errorCount += 1;
        if (outcome.errors.length < MAX_REPORTED_ERRORS)
          outcome.errors.push({ line, reason: result.reason, message: result.message });
        continue;
      }
      if (outcome.errorCount > 0 && upload.onError === 'fail') continue;
      await context.add(newRow(result.text, result.label));
      outcome.imported += 1;
    }
    await piping;
    if (outcome.errorCount > 0 && upload.onError === 'fail') throw invalidFile(outcome);
    return outcome;
  } catch (error) {
    throw error instanceof StreamTooLargeError
      ? errors.payloadTooLarge(`The upload is larger than ${error.limit} bytes (IMPORT_MAX_BYTES).`)
      : error;
  }
}

function invalidFile(outcome: ImportOutcome): AppError {
  const shown = outcome.errors.length < outcome.errorCount ? ` (the first ${outcome.errors.length} are listed)` : '';
  return errors.invalidFile(
    `${outcome.errorCount} line(s) of the file are invalid${shown}; nothing was imported. Fix them, or pass on_error=skip to import the valid rows.`,
    {
      fields: outcome.errors.map((error) => ({
        field: `line ${error.line}`,
        message: `${error.reason}: ${error.message}`,
      })),
      details: {
        format: outcome.format,
        rows_read: outcome.rowsRead,
        error_count: outcome.errorCount,
        errors: outcome.errors,
      },
    },
  );
}
