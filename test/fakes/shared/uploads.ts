import type { FastifyRequest } from 'fastify';
import { requestInfo } from './pipeline.js';

/** A multipart upload: its text fields, and the part named `file` (other file parts are read and dropped). */
export interface UploadParts {
  fields: Record<string, string>;
  file: { filename: string; content: Buffer; contentType: string } | undefined;
}

/**
 * Reads a multipart upload and logs it as the request's body: the fields, and the file's name,
 * size and type rather than its bytes. What a provider requires of the parts is its own.
 */
export async function readUploadParts(request: FastifyRequest): Promise<UploadParts> {
  const fields: Record<string, string> = {};
  let file: UploadParts['file'];
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const content = await part.toBuffer();
      if (part.fieldname === 'file') file = { filename: part.filename, content, contentType: part.mimetype };
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  const info = requestInfo(request);
  if (info)
    info.entry.body = {
      ...fields,
      ...(file ? { file: { filename: file.filename, bytes: file.content.length, contentType: file.contentType } } : {}),
    };
  return { fields, file };
}
