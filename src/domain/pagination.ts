import { errors } from '../errors.js';
import { isTimeOrderedId } from './ids.js';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  /** Id of the last item of the previous page, already decoded. */
  after?: string;
}

// Cursors are opaque to clients: a versioned envelope leaves room to change the key later.
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: lastId })).toString('base64url');
}

/** Returns the id a cursor points after, or undefined when it is not a cursor this API made. */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    if (parsed.v === 1 && typeof parsed.after === 'string' && isTimeOrderedId(parsed.after)) return parsed.after;
  } catch {
    // fall through: malformed base64 or JSON
  }
  return undefined;
}

/** The id a client's optional cursor points after; a cursor this API did not make is a 400. */
export function afterCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const after = decodeCursor(cursor);
  if (after === undefined) throw errors.invalidCursor();
  return after;
}

/** Repositories fetch `limit + 1` rows; the extra one only tells whether another page exists. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
