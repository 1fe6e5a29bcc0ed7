import { unwrap, type CallResult } from './problem.js';
import type { paths } from './schema.js';
import type { PathsWith, ResponseBody } from './types.js';

type GetPath = PathsWith<'get'>;
type Get<P extends GetPath> = paths[P] extends { get: infer Operation } ? Operation : never;
type OkJson<P extends GetPath> = ResponseBody<P, 'get'>;

/** The lists paged by cursor: their 200 is `{ data: [...], next_cursor }`. */
export type PagedPath = {
  [P in GetPath]: OkJson<P> extends { data: unknown[]; next_cursor: string | null } ? P : never;
}[GetPath];
export type PageItem<P extends PagedPath> = OkJson<P> extends { data: (infer Item)[] } ? Item : never;

type Parameters_<P extends GetPath> = Get<P> extends { parameters: infer Params } ? Params : never;
type Query<P extends PagedPath> = Omit<NonNullable<Parameters_<P> extends { query?: infer Q } ? Q : never>, 'cursor'>;
/** A list's parameters (path, query: `limit` and its filters), without the cursor, which paginate keeps. */
export type PageParams<P extends PagedPath> = Omit<Parameters_<P>, 'query'> &
  (object extends Query<P> ? { query?: Query<P> } : { query: Query<P> });

export interface PageOptions {
  signal?: AbortSignal;
  /** Stop (with an error) after this many pages rather than read an endless list. Default: no limit. */
  maxPages?: number;
}

/** Thrown when the client stops on its own: a list that loops, a stream that keeps failing. */
export class TunelineClientError extends Error {
  override readonly name = 'TunelineClientError';
}

type LooseGet = (path: string, init: { params: unknown; signal?: AbortSignal }) => Promise<CallResult<unknown>>;

/**
 * Every item of a cursor-paged list, fetching the next page only when the caller has used the
 * last one. Ends when `next_cursor` is null; a cursor the server already gave (a list that would
 * loop) or more pages than `maxPages` ends it with a TunelineClientError; an error answer throws
 * its TunelineProblem.
 */
export async function* paginate<P extends PagedPath>(
  get: unknown,
  path: P,
  params: PageParams<P>,
  options: PageOptions = {},
): AsyncGenerator<PageItem<P>> {
  const seen = new Set<string>();
  const { query = {}, ...rest } = params as { query?: Record<string, unknown> };
  let cursor: string | null = null;
  for (let page = 1; ; page++) {
    if (options.maxPages !== undefined && page > options.maxPages)
      throw new TunelineClientError(`${path}: more than ${options.maxPages} pages`);
    const body = (await unwrap(
      (get as LooseGet)(path, {
        params: { ...rest, query: cursor === null ? query : { ...query, cursor } },
        signal: options.signal,
      }),
    )) as { data: PageItem<P>[]; next_cursor: string | null };
    yield* body.data;
    cursor = body.next_cursor;
    if (cursor === null) return;
    if (seen.has(cursor)) throw new TunelineClientError(`${path}: the server sent cursor ${cursor} twice`);
    seen.add(cursor);
  }
}
