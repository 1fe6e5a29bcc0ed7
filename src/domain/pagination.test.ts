import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

describe('cursors', () => {
  it('round-trip an id', () => {
    const id = newId();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['JSON without the envelope', Buffer.from('"x"').toString('base64url')],
    [
      'a non-v7 id',
      Buffer.from(JSON.stringify({ v: 1, after: '00000000-0000-4000-8000-000000000000' })).toString('base64url'),
    ],
    ['an unknown version', Buffer.from(JSON.stringify({ v: 2, after: newId() })).toString('base64url')],
  ])('reject %s', (_case, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});

describe('toPage', () => {
  const rows = (n: number) => Array.from({ length: n }, () => ({ id: newId() }));

  it('gives a cursor to the last item shown when one more row exists', () => {
    const fetched = rows(4);
    const page = toPage(fetched, 3);
    expect(page.data).toEqual(fetched.slice(0, 3));
    expect(decodeCursor(page.nextCursor!)).toBe(fetched[2]!.id);
  });

  it('gives no cursor on the last page', () => {
    expect(toPage(rows(3), 3).nextCursor).toBeNull();
    expect(toPage([], 3)).toEqual({ data: [], nextCursor: null });
  });
});

describe('newId', () => {
  it('sorts in creation order', () => {
    const ids = Array.from({ length: 50 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
  });
});
