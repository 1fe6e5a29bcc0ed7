import { describe, expect, it } from 'vitest';
import { findUnstorableText, unstorableReason } from './storable-text.js';

describe('storable text', () => {
  it('accepts ordinary text, emoji (paired surrogates) included', () => {
    expect(unstorableReason('plain text')).toBeUndefined();
    expect(unstorableReason('thumbs 👍 up, 𝄞')).toBeUndefined();
    expect(unstorableReason('')).toBeUndefined();
  });

  it('names U+0000 and unpaired surrogates, high or low, with their position', () => {
    expect(unstorableReason('a \u0000 b')).toBe('contains U+0000 (NUL) at position 2');
    expect(unstorableReason('\ud800')).toBe('contains an unpaired UTF-16 surrogate (U+D800) at position 0');
    expect(unstorableReason('ok \udc00')).toBe('contains an unpaired UTF-16 surrogate (U+DC00) at position 3');
    // A high surrogate followed by another high one is unpaired; the pair after it is fine.
    expect(unstorableReason('\ud83d\ud83d\udc4d')).toBe('contains an unpaired UTF-16 surrogate (U+D83D) at position 0');
  });

  it('walks objects and arrays, naming each field, and reports bad keys on their object', () => {
    const body = {
      input: 'fine',
      inputs: ['a', 'b\u0000'],
      nested: { deep: [{ name: '\udfff' }] },
      map: { ['k\u0000']: 'v' },
      n: 3,
      t: true,
      z: null,
    };
    expect(findUnstorableText(body, 'body')).toEqual([
      { field: 'body.inputs[1]', message: 'contains U+0000 (NUL) at position 1' },
      { field: 'body.nested.deep[0].name', message: 'contains an unpaired UTF-16 surrogate (U+DFFF) at position 0' },
      { field: 'body.map', message: 'a key contains U+0000 (NUL) at position 1' },
    ]);
    expect(findUnstorableText('\u0000', 'query.name')).toEqual([
      { field: 'query.name', message: 'contains U+0000 (NUL) at position 0' },
    ]);
    expect(findUnstorableText(undefined, 'body')).toEqual([]);
  });

  it('stops after 20 problems so a hostile body cannot make a huge answer', () => {
    expect(
      findUnstorableText(
        Array.from({ length: 1000 }, () => '\u0000'),
        'body',
      ),
    ).toHaveLength(20);
  });

  it('leaves buffers alone (raw uploads are checked line by line elsewhere)', () => {
    expect(findUnstorableText(Buffer.from('\u0000'), 'body')).toEqual([]);
    expect(findUnstorableText({ pipe: () => undefined, chunk: '\u0000' }, 'body')).toEqual([]);
    // Query strings and params arrive as objects without Object.prototype.
    const query = Object.assign(Object.create(Object.create(null)), { name: '\u0000' });
    expect(findUnstorableText(query, 'query')).toEqual([
      { field: 'query.name', message: 'contains U+0000 (NUL) at position 0' },
    ]);
  });
});
