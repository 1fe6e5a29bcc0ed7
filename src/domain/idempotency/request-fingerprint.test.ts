import { describe, expect, it } from 'vitest';
import { canonicalJson, requestFingerprint } from './request-fingerprint.js';

describe('requestFingerprint', () => {
  it('ignores the order of object keys, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(requestFingerprint({ query: {}, body: { a: 1, b: [2, 3] } })).toBe(
      requestFingerprint({ query: {}, body: { b: [2, 3], a: 1 } }),
    );
  });

  it('tells apart bodies, queries, array orders and streamed bodies', () => {
    const base = requestFingerprint({ query: { mode: 'append' }, body: { a: [1, 2] } });
    expect(requestFingerprint({ query: { mode: 'replace' }, body: { a: [1, 2] } })).not.toBe(base);
    expect(requestFingerprint({ query: { mode: 'append' }, body: { a: [2, 1] } })).not.toBe(base);
    expect(requestFingerprint({ query: { mode: 'append' }, body: undefined })).not.toBe(base);
    expect(requestFingerprint({ query: {}, bodySha256: 'aa' })).not.toBe(
      requestFingerprint({ query: {}, bodySha256: 'bb' }),
    );
  });
});
