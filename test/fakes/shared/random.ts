import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Base62, like the ids providers hand out (`file-AbC…`, `chatcmpl-B9MH…`). */
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let id = '';
  // 62 does not divide 256; the slight bias is irrelevant for ids that only need to be unique.
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

/** mulberry32: a tiny seedable generator, so fault dice and loss curves can be made reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);
