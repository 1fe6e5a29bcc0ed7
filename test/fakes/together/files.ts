import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unixSeconds } from '../shared/random.js';
import { readUploadParts } from '../shared/uploads.js';
import { type FakeContext, requestInfo } from './context.js';
import { errors } from './errors.js';
import type { FilePurpose, FileRecord, FileType } from './state.js';
import { validateTrainingFile } from './training-data.js';

/**
 * `/v1/files…`. Two ways in: the spec's `POST /files/upload` (multipart, validated at once), and
 * the one the official SDK's `files.upload` takes, which the spec does not describe:
 * `POST /files` (form-encoded name, type and purpose) answers 302 with a pre-signed `location` and
 * `x-together-file-id`, the client PUTs the bytes there (`/_storage/…` here, no auth), then
 * retrieves the file. Content arriving that way is checked after the fact, like a processing step.
 */

const PURPOSES: FilePurpose[] = [
  'fine-tune',
  'eval',
  'eval-sample',
  'eval-output',
  'eval-summary',
  'batch-generated',
  'batch-api',
];
const FILE_TYPES: FileType[] = ['jsonl', 'csv', 'parquet'];

export function fileObject(file: FileRecord, now: number) {
  const processed = now >= file.processedAtMs;
  const report = processed && file.purpose === 'fine-tune' ? file.report : null;
  return {
    id: file.id,
    object: 'file' as const,
    created_at: unixSeconds(file.createdAtMs),
    filename: file.filename,
    bytes: file.content?.length ?? 0,
    purpose: file.purpose,
    FileType: file.fileType,
    Processed: processed,
    // Not in the spec's FileResponse (which allows more properties); the SDK's type has them.
    processing_status:
      file.content === null
        ? 'PENDING'
        : !processed
          ? 'RUNNING'
          : report && !report.valid
            ? 'INVALID_FORMAT'
            : 'COMPLETED',
    ...(report
      ? {
          validation_report: {
            valid: report.valid,
            file_id: file.id,
            nlines: report.nlines,
            ...(report.datasetFormat ? { dataset_format: report.datasetFormat } : {}),
            dataset_has_message_weights: report.hasWeights,
            ...(report.valid ? {} : { error: report.error ?? 'Invalid file format', error_type: 'INVALID_FORMAT' }),
          },
        }
      : {}),
  };
}

export function findFile(ctx: FakeContext, id: string): FileRecord {
  const file = ctx.state.files.get(id);
  if (!file) throw errors.notFound('File', id);
  return file;
}

export function fileRoutes(app: FastifyInstance, ctx: FakeContext): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });

  app.post('/files/upload', async (request) => {
    const upload = await readMultipart(request);
    const report =
      upload.purpose === 'fine-tune' ? validateTrainingFile(upload.content, upload.purpose, upload.fileType) : null;
    if (report && !report.valid)
      throw errors.invalidRequest(report.error ?? 'Invalid file format', 'file', 'invalid_file_format');
    const file = addFile(ctx, { ...upload, report, uploadToken: null });
    return fileObject(file, ctx.now());
  });

  app.post<{ Querystring: Record<string, string | undefined> }>('/files', async (request, reply) => {
    const fields = { ...request.query, ...(request.body as Record<string, string> | undefined) };
    const described = describedUpload(fields);
    const token = randomBytes(16).toString('hex');
    const file = addFile(ctx, { ...described, content: null, report: null, uploadToken: token });
    return reply
      .code(302)
      .headers({ location: `${ctx.origin()}/_storage/${token}`, 'x-together-file-id': file.id })
      .send();
  });

  app.get('/files', async () => ({
    data: [...ctx.state.files.values()].sort((a, b) => b.seq - a.seq).map((file) => fileObject(file, ctx.now())),
  }));

  app.get<{ Params: { id: string } }>('/files/:id', async (request) =>
    fileObject(findFile(ctx, request.params.id), ctx.now()),
  );

  app.delete<{ Params: { id: string } }>('/files/:id', async (request) => {
    const file = findFile(ctx, request.params.id);
    ctx.state.files.delete(file.id);
    return { id: file.id, deleted: true };
  });

  app.get<{ Params: { id: string } }>('/files/:id/content', async (request, reply) => {
    const file = findFile(ctx, request.params.id);
    if (file.content === null)
      throw errors.invalidRequest(`File ${file.id} has no content yet: its upload has not arrived.`, 'id');
    return reply.type('text/plain; charset=utf-8').send(file.content);
  });
}

/** The pre-signed upload target, outside /v1: no auth and no faults, like the object storage it stands in for. */
export function storageRoutes(app: FastifyInstance, ctx: FakeContext, maxBytes: number): void {
  // Storage takes the bytes as they come, whatever the content type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));
  app.put<{ Params: { token: string } }>('/:token', async (request, reply) => {
    const file = [...ctx.state.files.values()].find((candidate) => candidate.uploadToken === request.params.token);
    if (!file)
      return reply
        .code(403)
        .type('application/xml')
        .send('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    const content = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const info = requestInfo(request);
    if (info) info.entry.body = { bytes: content.length, contentType: request.headers['content-type'] ?? null };
    file.content = content;
    file.uploadToken = null;
    file.report = file.purpose === 'fine-tune' ? validateTrainingFile(content, file.purpose, file.fileType) : null;
    file.processedAtMs = ctx.now() + ctx.options().fileProcessingMs;
    return reply.code(200).send();
  });
}

interface NewFile {
  filename: string;
  purpose: FilePurpose;
  fileType: FileType;
  content: Buffer | null;
  report: FileRecord['report'];
  uploadToken: string | null;
}

function addFile(ctx: FakeContext, file: NewFile): FileRecord {
  const now = ctx.now();
  const record: FileRecord = {
    id: `file-${randomUUID()}`,
    ...file,
    createdAtMs: now,
    processedAtMs: file.content === null ? Infinity : now + ctx.options().fileProcessingMs,
    seq: ctx.state.nextSeq(),
  };
  ctx.state.files.set(record.id, record);
  return record;
}

function describedUpload(fields: Record<string, string | undefined>): {
  filename: string;
  purpose: FilePurpose;
  fileType: FileType;
} {
  const filename = fields['file_name'];
  if (!filename) throw errors.missingParameter('file_name');
  const purpose = fields['purpose'];
  if (!purpose) throw errors.missingParameter('purpose');
  if (!PURPOSES.includes(purpose as FilePurpose)) {
    throw errors.invalidRequest(
      `Invalid purpose: ${purpose}. Expected one of ${PURPOSES.join(', ')}.`,
      'purpose',
      'invalid_value',
    );
  }
  const fileType = fields['file_type'] ?? extensionOf(filename) ?? 'jsonl';
  if (!FILE_TYPES.includes(fileType as FileType)) {
    throw errors.invalidRequest(
      `Invalid file_type: ${fileType}. Expected one of ${FILE_TYPES.join(', ')}.`,
      'file_type',
      'invalid_value',
    );
  }
  return { filename, purpose: purpose as FilePurpose, fileType: fileType as FileType };
}

const extensionOf = (filename: string): string | undefined => /\.([a-z]+)$/i.exec(filename)?.[1]?.toLowerCase();

async function readMultipart(
  request: FastifyRequest,
): Promise<{ filename: string; purpose: FilePurpose; fileType: FileType; content: Buffer }> {
  if (!request.isMultipart())
    throw errors.invalidRequest('Uploads must be multipart/form-data with purpose, file_name and file fields.');
  const { fields, file } = await readUploadParts(request);
  if (!file) throw errors.missingParameter('file');
  return { ...describedUpload(fields), content: file.content };
}
