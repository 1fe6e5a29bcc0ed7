import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { detectFormat, type ImportFormat } from '../../domain/datasets/import-formats.js';
import { newRow, type DatasetRow } from '../../domain/datasets/rows.js';
import type { TextTemplate } from '../../domain/datasets/text-template.js';
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
  textTemplate?: TextTemplate;
}

export interface LineError {
  line: number;
  reason: string;
  message: string;
  /** For missing_field: how many lines lack the same fields; `line` is the first of them. */
  count?: number;
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
    const format = upload.format ?? detectFormat(firstLine, upload.textTemplate !== undefined);
    if (!format) {
      throw errors.unknownFormat();
    }
    if (upload.textTemplate && format !== 'csv' && format !== 'jsonl')
      throw errors.validation('text_template does not apply to this format.', [
        { field: 'query.text_template', message: `applies to csv and jsonl files, not ${format}` },
      ]);
    const outcome: ImportOutcome = { format, rowsRead: 0, imported: 0, errorCount: 0, errors: [] };
    const options = {
      labels: context.labels,
      labelMap: upload.labelMap,
      maxTextChars: context.limits.maxTextChars,
      promptSuffix: upload.promptSuffix,
      textColumn: upload.textColumn,
      labelColumn: upload.labelColumn,
      textTemplate: upload.textTemplate,
    };
    // Lines lacking the same template fields are one error (first line, count), not one per line.
    const missingFields = new Map<string, LineError>();
    for await (const { line, result, headerOption } of parseUpload(stream, format, options)) {
      if (headerOption) throw invalidHeader(format, line, result.ok ? '' : result.message, headerOption);
      outcome.rowsRead += 1;
      if (!result.ok) {
        outcome.errorCount += 1;
        const key = 'missingFields' in result ? result.missingFields?.join('\u0000') : undefined;
        const same = key === undefined ? undefined : missingFields.get(key);
        if (same) same.count = (same.count ?? 1) + 1;
        else if (outcome.errors.length < MAX_REPORTED_ERRORS) {
          const error: LineError = { line, reason: result.reason, message: result.message };
          if (key !== undefined) {
            error.count = 1;
            missingFields.set(key, error);
          }
          outcome.errors.push(error);
        }
        continue;
      }
      if (outcome.errorCount > 0 && upload.onError === 'fail') continue;
      await context.add(newRow(result.text, result.label));
      outcome.imported += 1;
    }
    await piping;
    for (const error of missingFields.values())
      if ((error.count ?? 1) > 1) error.message += ` (on ${error.count} lines, the first is line ${error.line})`;
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
      fields: outcome.errors.map((error) =>
        error.reason === 'missing_field'
          ? { field: 'query.text_template', message: `line ${error.line}: ${error.message}` }
          : { field: `line ${error.line}`, message: `${error.reason}: ${error.message}` },
      ),
      details: {
        format: outcome.format,
        rows_read: outcome.rowsRead,
        error_count: outcome.errorCount,
        errors: outcome.errors,
      },
    },
  );
}

/** A CSV header without a column the import needs: no record could be read, whatever on_error says. */
function invalidHeader(format: ImportFormat, line: number, message: string, option: string): AppError {
  return errors.invalidFile(`The file's header lacks a column ${option} names; nothing was imported.`, {
    fields: [{ field: `query.${option}`, message: `line ${line} (header): ${message}` }],
    details: { format, rows_read: 0, error_count: 1, errors: [{ line, reason: 'missing_column', message }] },
  });
}
