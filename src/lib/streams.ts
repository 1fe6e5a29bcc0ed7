import { Readable, Transform, type TransformCallback } from 'node:stream';

/**
 * Reads just enough of a stream to see its first non-empty line, then returns a stream that
 * replays those bytes followed by the rest, so format detection never buffers the whole upload.
 */
export async function peekFirstLine(
  source: Readable,
  maxBytes = 1 << 20,
): Promise<{ firstLine: string; stream: Readable }> {
  const seen: Buffer[] = [];
  let size = 0;
  let firstLine = '';
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) break;
    const chunk = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    seen.push(chunk);
    size += chunk.length;
    const text = Buffer.concat(seen).toString('utf8');
    const line = text.split(/\r?\n/).find((candidate, index, all) => candidate.trim() !== '' && index < all.length - 1);
    if (line !== undefined) {
      firstLine = line;
      break;
    }
    if (size >= maxBytes) {
      firstLine = text;
      break;
    }
  }
  if (firstLine === '' && seen.length > 0) firstLine = Buffer.concat(seen).toString('utf8').trim();
  const replay = async function* () {
    yield* seen;
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) return;
      yield value as Buffer;
    }
  };
  return { firstLine: firstLine.replace(/^\uFEFF/, ''), stream: Readable.from(replay(), { objectMode: false }) };
}

export class StreamTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the upload is larger than ${limit} bytes`);
  }
}

/** Passes bytes through until `limit`, then fails the stream (uploads bypass Fastify's body limit). */
export function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(new StreamTooLargeError(limit));
      else callback(null, chunk);
    },
  });
}
