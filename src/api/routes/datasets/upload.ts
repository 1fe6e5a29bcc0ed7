import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { ImportFormat } from '../../../domain/datasets/import-formats.js';
import { AppError, errors } from '../../../errors.js';
import { hashedStream, type HashedStream } from '../../../lib/hashed-stream.js';
import type { UploadInput } from '../../../services/datasets/datasets-service.js';

/** Content types accepted as a raw upload body, passed to the route as a stream, never buffered. */
export const RAW_UPLOAD_TYPES = [
  'application/jsonl',
  'application/x-ndjson',
  'application/x-jsonlines',
  'text/csv',
  'text/plain',
  'application/octet-stream',
];

export async function acceptUploads(app: FastifyInstance, maxBytes: number): Promise<void> {
  app.addContentTypeParser(RAW_UPLOAD_TYPES, (_request, payload, done) => done(null, payload));
  await app.register(multipart, { limits: { files: 1, fileSize: maxBytes, fields: 0 } });
}

interface UploadQuery {
  format?: ImportFormat;
  on_error: 'fail' | 'skip';
  label_map?: string;
  prompt_suffix?: string;
  text_column?: string;
  label_column?: string;
}

interface OpenedUpload extends HashedStream {
  /** The multipart part's file name, when there is one. */
  filename?: string;
}

const opened = new WeakMap<FastifyRequest, Promise<OpenedUpload>>();

/**
 * The uploaded file, a multipart file part or the raw body, opened once per request and hashed as
 * it is read: the import reads it, and an Idempotency-Key compares its SHA-256 (see the routes).
 */
export function openUpload(request: FastifyRequest): Promise<OpenedUpload> {
  let upload = opened.get(request);
  if (!upload) {
    upload = (async () => {
      if (request.isMultipart()) {
        const file = await request.file();
        if (!file) throw new AppError('empty_file', 400, 'The multipart request has no file part.');
        return { ...hashedStream(file.file), filename: file.filename };
      }
      if (request.body && typeof (request.body as Readable).pipe === 'function') return hashedStream(request.body as Readable);
      throw new AppError('unsupported_media_type', 415, `Send the file as multipart/form-data or as one of: ${RAW_UPLOAD_TYPES.join(', ')}.`);
    })();
    opened.set(request, upload);
  }
  return upload;
}

/** The upload's stream and options, from a multipart file part or a raw body. */
export async function uploadFrom(request: FastifyRequest, query: UploadQuery): Promise<UploadInput> {
  const { stream, filename } = await openUpload(request);
  let format = query.format;
  if (!format && filename !== undefined && /\.csv$/i.test(filename)) format = 'csv';
  if (!format && filename === undefined && request.headers['content-type']?.startsWith('text/csv')) format = 'csv';
  return {
    stream,
    format,
    onError: query.on_error,
    labelMap: parseLabelMap(query.label_map),
    promptSuffix: query.prompt_suffix,
    textColumn: query.text_column,
    labelColumn: query.label_column,
  };
}

function parseLabelMap(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  const invalid = (message: string) => errors.validation('label_map is invalid.', [{ field: 'query.label_map', message }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('must be a JSON object such as {"pos":"positive"}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('must be a JSON object');
  for (const [from, to] of Object.entries(parsed)) {
    if (typeof to !== 'string') throw invalid(`the value for "${from}" must be a string`);
  }
  return parsed as Record<string, string>;
}
