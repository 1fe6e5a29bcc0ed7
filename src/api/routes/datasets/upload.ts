import { PassThrough, Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { ImportFormat } from '../../../domain/datasets/import-formats.js';
import { parseTextTemplate, type TextTemplate } from '../../../domain/datasets/text-template.js';
import { errors, isAppError, type AppError } from '../../../errors.js';
import { hashedStream, type HashedStream } from '../../../lib/hashed-stream.js';
import type { UploadInput } from '../../../services/datasets/dataset-import.js';

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
  text_template?: string;
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
        // A missing boundary, a malformed part or a body cut short is the client's, not a 500.
        const file = await request.file().catch((error: unknown) => {
          throw malformedMultipart(error);
        });
        if (!file) throw errors.emptyFile('The multipart request has no file part.');
        return { ...hashedStream(piped(file.file, [new PassThrough()], malformedMultipart)), filename: file.filename };
      }
      if (request.body && typeof (request.body as Readable).pipe === 'function') {
        // Hashed as sent, decompressed after: the key identifies the bytes the client sent.
        const sent = hashedStream(request.body as Readable);
        return { ...sent, stream: decoded(sent.stream, request.headers['content-encoding']) };
      }
      throw errors.unsupportedMediaType(
        `Send the file as multipart/form-data or as one of: ${RAW_UPLOAD_TYPES.join(', ')}.`,
      );
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
    stream: refuseBinary(stream),
    format,
    onError: query.on_error,
    labelMap: parseLabelMap(query.label_map),
    promptSuffix: query.prompt_suffix,
    textColumn: query.text_column,
    labelColumn: query.label_column,
    textTemplate: parseTemplate(query),
  };
}

function parseTemplate(query: UploadQuery): TextTemplate | undefined {
  if (query.text_template === undefined) return undefined;
  const invalid = (message: string) =>
    errors.validation('text_template is invalid.', [{ field: 'query.text_template', message }]);
  if (query.text_column !== undefined) throw invalid('give text_template or text_column, not both');
  const parsed = parseTextTemplate(query.text_template);
  if (!parsed.ok) throw invalid(parsed.message);
  return parsed.template;
}

function parseLabelMap(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  const invalid = (message: string) =>
    errors.validation('label_map is invalid.', [{ field: 'query.label_map', message }]);
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

const malformedMultipart = (error: unknown) =>
  errors.invalidFile(`The multipart body is malformed: ${error instanceof Error ? error.message : String(error)}.`, {
    fields: [{ field: 'body', message: 'malformed multipart/form-data' }],
  });

/**
 * `source` piped through `stages`. An error anywhere ends the last stream with the client error
 * `toError` makes of it (AppErrors pass as they are): every stream has a listener, so none goes
 * unhandled, and the import reading the last one sees a 400, not a 500.
 */
function piped(source: Readable, stages: Transform[], toError: (error: unknown) => AppError): Readable {
  const streams: Readable[] = [source, ...stages];
  const last = streams.at(-1)!;
  for (const stream of streams.slice(0, -1))
    stream.on('error', (error) => last.destroy(isAppError(error) ? error : toError(error)));
  // The import attaches its reader later; a stream that failed before that keeps its error
  // (`errored`) and the reader meets it then, so nothing is lost by not crashing meanwhile.
  last.on('error', () => {});
  streams.reduce((from, to) => from.pipe(to as Transform));
  return last;
}

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** A body sent with Content-Encoding is decompressed as it streams; an unknown coding is refused. */
function decoded(body: Readable, encoding: string | string[] | undefined): Readable {
  const coding = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  const decoder = DECODERS[coding];
  if (!decoder) throw errors.unsupportedMediaType(`Content-Encoding "${coding}" is not supported (gzip, deflate, br).`);
  return piped(body, [decoder()], (error) =>
    errors.invalidFile(`The body is not valid ${coding}: ${(error as Error).message}.`),
  );
}

// Bytes that never start a text file: gzip, zip, PNG, PDF.
const BINARY_MAGIC = [
  Buffer.from([0x1f, 0x8b]),
  Buffer.from('PK\x03\x04', 'latin1'),
  Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  Buffer.from('%PDF'),
];
const SNIFF_BYTES = 8_192;

/**
 * Refuses content that is not text before any of it is parsed: a gzip file sent as JSONL used to
 * import as an empty CSV (201, 0 rows, a new version). Text with a stray NUL is the line
 * parser's to report (invalid_text, with its line number); only a block that is mostly control
 * bytes is judged binary.
 */
function refuseBinary(source: Readable): Readable {
  let head = Buffer.alloc(0);
  let judged = false;
  const judge = (chunk: Buffer, out: Transform): boolean => {
    const binary =
      BINARY_MAGIC.some((magic) => chunk.subarray(0, magic.length).equals(magic)) ||
      mostlyControlBytes(chunk.subarray(0, SNIFF_BYTES));
    if (binary)
      out.destroy(
        errors.invalidFile(
          'The file is binary, not text (compressed? send Content-Encoding: gzip, or the uncompressed file).',
        ),
      );
    return !binary;
  };
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (judged) return done(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < SNIFF_BYTES) return done();
      judged = true;
      if (judge(head, this)) done(null, head);
    },
    flush(done) {
      if (judged || head.length === 0) return done();
      judged = true;
      if (judge(head, this)) done(null, head);
    },
  });
  return piped(source, [out], (error) =>
    errors.invalidFile(`The upload could not be read: ${(error as Error).message}.`),
  );
}

/** More than a tenth of the block is control bytes other than tab, line feed and carriage return. */
function mostlyControlBytes(block: Buffer): boolean {
  let control = 0;
  for (const byte of block)
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f) control += 1;
  return block.length > 0 && control * 10 > block.length;
}
