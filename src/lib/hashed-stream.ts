import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

export interface HashedStream {
  /** The source's bytes, unchanged; read it as you would the source. */
  stream: Readable;
  /** SHA-256 of every byte of the source: reads (and discards) whatever the reader left unread. */
  digest(): Promise<string>;
}

/**
 * Hashes a stream as it is read, so a streamed upload can be identified without buffering it:
 * the import reads the bytes, and the hash of what it read is there when it is done.
 */
export function hashedStream(source: Readable): HashedStream {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  source.on('error', (error) => stream.destroy(error));
  source.pipe(stream);
  let digest: Promise<string> | undefined;
  return {
    stream,
    digest() {
      digest ??= (async () => {
        if (!stream.readableEnded) {
          stream.resume();
          await finished(stream);
        }
        return hash.digest('hex');
      })();
      return digest;
    },
  };
}
