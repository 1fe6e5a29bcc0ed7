import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readUploadParts } from '../shared/uploads.js';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import { ids, unixSeconds } from './ids.js';
import type { FilePurpose, FileRecord } from './state.js';

/** `/v1/files` (notes §2): multipart upload, cursor list, retrieve, raw content, delete. */

const UPLOAD_PURPOSES = new Set<FilePurpose>(['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals']);
const BATCH_EXPIRY_SECONDS = 30 * 24 * 3600;
const DEFAULT_LIST_LIMIT = 10_000;

export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: FilePurpose;
  status: 'uploaded' | 'processed' | 'error';
  status_details?: string;
  expires_at?: number;
}

export interface NewFile {
  filename: string;
  purpose: FilePurpose;
  content: Buffer;
  expiresAfterSeconds?: number;
}

export function createFile(ctx: FakeContext, file: NewFile, atMs = ctx.now()): FileRecord {
  const expiresAfter = file.expiresAfterSeconds ?? (file.purpose === 'batch' ? BATCH_EXPIRY_SECONDS : undefined);
  const faults = ctx.options().faults;
  const record: FileRecord = {
    id: ids.file(),
    filename: file.filename,
    purpose: file.purpose,
    content: file.content,
    createdAtMs: atMs,
    processedAtMs: faults.stuckFiles ? Infinity : atMs + ctx.options().fileProcessingMs,
    error: faults.fileErrors !== undefined && file.purpose === 'fine-tune' ? faults.fileErrors : null,
    expiresAt: expiresAfter === undefined ? null : unixSeconds(atMs) + expiresAfter,
    seq: ctx.state.nextSeq(),
  };
  ctx.state.files.set(record.id, record);
  return record;
}

/** `expires_at` is left out rather than null when a file never expires: the spec types it integer. */
export function fileObject(record: FileRecord, now: number): FileObject {
  return {
    id: record.id,
    object: 'file',
    bytes: record.content.length,
    created_at: unixSeconds(record.createdAtMs),
    filename: record.filename,
    purpose: record.purpose,
    status: now < record.processedAtMs ? 'uploaded' : record.error !== null ? 'error' : 'processed',
    ...(now >= record.processedAtMs && record.error !== null ? { status_details: record.error } : {}),
    ...(record.expiresAt !== null ? { expires_at: record.expiresAt } : {}),
  };
}

export function fileRoutes(app: FastifyInstance, ctx: FakeContext): void {
  app.post('/files', async (request) => {
    const upload = await readUpload(request);
    return fileObject(createFile(ctx, upload), ctx.now());
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/files', async (request) => {
    const { purpose, after, order = 'desc' } = request.query;
    const limit = Number(request.query['limit'] ?? DEFAULT_LIST_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw errors.invalidRequest("Invalid 'limit': must be an integer between 1 and 10000.", 'limit');
    if (order !== 'asc' && order !== 'desc')
      throw errors.invalidRequest("Invalid 'order': expected 'asc' or 'desc'.", 'order');
    let files = [...ctx.state.files.values()].filter((file) => !purpose || file.purpose === purpose);
    files.sort((a, b) => (order === 'asc' ? a.seq - b.seq : b.seq - a.seq));
    if (after) {
      const at = files.findIndex((file) => file.id === after);
      files = at >= 0 ? files.slice(at + 1) : files;
    }
    const page = files.slice(0, limit).map((file) => fileObject(file, ctx.now()));
    return {
      object: 'list',
      data: page,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: files.length > limit,
    };
  });

  app.get<{ Params: { id: string } }>('/files/:id', async (request) =>
    fileObject(findFile(ctx, request.params.id), ctx.now()),
  );

  app.get<{ Params: { id: string } }>('/files/:id/content', async (request, reply) => {
    const file = findFile(ctx, request.params.id);
    if (file.purpose === 'fine-tune-results' && ctx.options().faults.unreadableResultFiles)
      throw errors.noSuchObject('File', file.id);
    return reply.type('application/octet-stream').send(file.content);
  });

  app.delete<{ Params: { id: string } }>('/files/:id', async (request) => {
    const file = findFile(ctx, request.params.id);
    ctx.state.files.delete(file.id);
    return { id: file.id, object: 'file', deleted: true };
  });
}

export function findFile(ctx: FakeContext, id: string): FileRecord {
  const file = ctx.state.files.get(id);
  if (!file) throw errors.noSuchObject('File', id);
  return file;
}

async function readUpload(request: FastifyRequest): Promise<NewFile> {
  if (!request.isMultipart())
    throw errors.invalidRequest('Uploads must be sent as multipart/form-data with `file` and `purpose` fields.');
  const { fields, file } = await readUploadParts(request);
  if (!file) throw errors.missingParameter('file');
  const purpose = fields['purpose'];
  if (!purpose) throw errors.missingParameter('purpose');
  if (!UPLOAD_PURPOSES.has(purpose as FilePurpose)) {
    throw errors.invalidRequest(
      `'${purpose}' is not one of ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] - 'purpose'`,
      'purpose',
    );
  }
  if ((purpose === 'fine-tune' || purpose === 'batch') && !file.filename.toLowerCase().endsWith('.jsonl')) {
    throw errors.invalidRequest(
      `Invalid file format for ${purpose === 'batch' ? 'Batch API' : 'Fine-Tuning API'}. Must be .jsonl`,
      'file',
    );
  }
  return { filename: file.filename, purpose: purpose as FilePurpose, content: file.content, ...expiresAfter(fields) };
}

function expiresAfter(fields: Record<string, string>): { expiresAfterSeconds?: number } {
  const anchor = fields['expires_after[anchor]'];
  const raw = fields['expires_after[seconds]'];
  if (anchor === undefined && raw === undefined) return {};
  const seconds = Number(raw);
  if (anchor !== 'created_at')
    throw errors.invalidRequest("Invalid 'expires_after[anchor]': expected 'created_at'.", 'expires_after.anchor');
  if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 2_592_000) {
    throw errors.invalidRequest(
      "Invalid 'expires_after[seconds]': must be an integer between 3600 and 2592000.",
      'expires_after.seconds',
    );
  }
  return { expiresAfterSeconds: seconds };
}
