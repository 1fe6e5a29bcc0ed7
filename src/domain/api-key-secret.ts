import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'tl_';
// Shown in listings so people can tell keys apart without the secret.
const VISIBLE_CHARS = 8;

export interface NewSecret {
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewSecret {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, KEY_PREFIX.length + VISIBLE_CHARS), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');
