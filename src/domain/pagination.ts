import { errors } from '../errors.js';
import { isTimeOrderedId } from './ids.js';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

// Cursors are opaque to clients: a versioned envelope leaves room to change the key later.
// Lists key on a time-ordered id, or on a number (version number, row position).
export function encodeCursor(after: string | number): string {
  return Buffer.from(JSON.stringify({ v: 1, after })).toString('base64url');
}

function cursorKey(cursor: string): unknown {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    return parsed.v === 1 ? parsed.after : undefined;
  } catch {
    return undefined; // malformed base64 or JSON
  }
}

/** Returns the id a cursor points after, or undefined when it is not a cursor this API made. */
export function decodeCursor(cursor: string): string | undefined {
  const after = cursorKey(cursor);
  return typeof after === 'string' && isTimeOrderedId(after) ? after : undefined;
}

/** The number a cursor points after (a version number or a row position), a 400 when it is not one. */
export function afterNumberCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const after = cursorKey(cursor);
  if (typeof after === 'number' && Number.isSafeInteger(after) && after >= 0) return after;
  throw errors.invalidCursor();
}

/** The id a client's optional cursor points after; a cursor this API did not make is a 400. */
export function afterCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const after = decodeCursor(cursor);
  if (after === undefined) throw errors.invalidCursor();
  return after;
}

/**
 * A composite key a cursor points after (a timestamp and an id, say), read by `parse`; a cursor
 * this API did not make, or whose key `parse` refuses, is a 400.
 */
export function afterKeyCursor<T>(cursor: string | undefined, parse: (after: unknown) => T | undefined): T | undefined {
  if (cursor === undefined) return undefined;
  const after = parse(cursorKey(cursor));
  if (after === undefined) throw errors.invalidCursor();
  return after;
}

/** Repositories fetch `limit + 1` rows; the extra one only tells whether another page exists. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  return toPageBy(rows, limit, (row) => row.id);
}

export function toPageBy<T>(rows: T[], limit: number, keyOf: (row: T) => string | number): Page<T> {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
