import { describe, expect, it } from 'vitest';
import { readCursorPages, type CursorPage } from './cursor-pages.js';

/** A newest-first list of ids served `size` at a time, counting the requests. */
const list = (ids: string[], size: number) => {
  const calls: (string | undefined)[] = [];
  const fetchPage = async (after: string | undefined): Promise<CursorPage<string>> => {
    calls.push(after);
    const start = after ? ids.indexOf(after) + 1 : 0;
    return { data: ids.slice(start, start + size), hasMore: start + size < ids.length };
  };
  return { fetchPage, calls };
};
const idOf = (id: string) => id;
const ids = Array.from({ length: 10 }, (_, i) => `e${10 - i}`);

describe('readCursorPages', () => {
  it('reads every page of a well-behaved list', async () => {
    const { fetchPage, calls } = list(ids, 3);
    expect(await readCursorPages(fetchPage, { idOf, maxPages: 10 })).toEqual({
      items: ids,
      next: null,
      stalled: false,
    });
    expect(calls).toEqual([undefined, 'e8', 'e5', 'e2']);
  });

  it('stops at an item it already has', async () => {
    const { fetchPage, calls } = list(ids, 3);
    const read = await readCursorPages(fetchPage, { idOf, maxPages: 10, until: (id) => id === 'e6' });
    expect(read).toEqual({ items: ['e10', 'e9', 'e8', 'e7'], next: null, stalled: false });
    expect(calls).toHaveLength(2);
  });

  it('stops when has_more stays true but the cursor does not advance', async () => {
    let calls = 0;
    const stuck = async (): Promise<CursorPage<string>> => {
      calls += 1;
      return { data: ['e3', 'e2'], hasMore: true };
    };
    expect(await readCursorPages(stuck, { idOf, maxPages: 100 })).toEqual({
      items: ['e3', 'e2'],
      next: null,
      stalled: true,
    });
    expect(calls).toBe(2);
    // The same first page again, shifted by a newer item: the last id moved, but the page overlaps the first.
    let top = ['e3', 'e2'];
    const shifting = async (): Promise<CursorPage<string>> => {
      const page = { data: top, hasMore: true };
      top = [`e${Number(top[0]!.slice(1)) + 1}`, ...top.slice(0, 1)];
      return page;
    };
    expect(await readCursorPages(shifting, { idOf, maxPages: 100 })).toEqual({
      items: ['e3', 'e2', 'e4'],
      next: null,
      stalled: true,
    });
    const empty = async (): Promise<CursorPage<string>> => ({ data: [], hasMore: true });
    expect(await readCursorPages(empty, { idOf, maxPages: 100 })).toEqual({ items: [], next: null, stalled: true });
  });

  it('reads at most maxPages, and says where to continue', async () => {
    const { fetchPage } = list(ids, 3);
    const first = await readCursorPages(fetchPage, { idOf, maxPages: 2 });
    expect(first).toEqual({ items: ['e10', 'e9', 'e8', 'e7', 'e6', 'e5'], next: 'e5', stalled: false });
    const rest = await readCursorPages(fetchPage, { idOf, maxPages: 2, after: first.next! });
    expect(rest).toEqual({ items: ['e4', 'e3', 'e2', 'e1'], next: null, stalled: false });
  });
});
