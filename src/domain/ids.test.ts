import { describe, expect, it } from 'vitest';
import { idTime, isTimeOrderedId, newId } from './ids.js';

describe('newId', () => {
  it('gives unique UUIDv7s that sort in the order they were made, many per millisecond', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} then ${ids[i]}`).toBe(true);
    for (const id of [ids[0]!, ids.at(-1)!]) {
      expect(isTimeOrderedId(id)).toBe(true);
      expect(idTime(id).getTime()).toBeGreaterThanOrEqual(before);
      expect(idTime(id).getTime()).toBeLessThanOrEqual(Date.now() + 1);
    }
    // Far more ids than one 4 KiB draw of random bytes covers: the random tails still differ.
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });
});
