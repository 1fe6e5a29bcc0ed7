import { createHash } from 'node:crypto';

/** JSON with every object's keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (!inner || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * What makes two requests with one Idempotency-Key "the same": their query and their body (for a
 * streamed body, the SHA-256 of its bytes). The method, path and API key are the key's scope.
 */
export function requestFingerprint(
  request: { query: unknown; body: unknown } | { query: unknown; bodySha256: string },
): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}
