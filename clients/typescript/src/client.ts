import createClient, { type Client, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import { followEvents, type EventOptions, type StreamEvent, type StreamParams, type StreamPath } from './events.js';
import { paginate, type PagedPath, type PageItem, type PageOptions, type PageParams } from './paginate.js';
import { retryingFetch, type FetchLike, type RetryOptions } from './retry.js';
import type { paths } from './schema.js';
import type { Method, PathsWith } from './types.js';

export interface TunelineClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:3000` (no trailing `/v1`). */
  baseUrl: string;
  /** An API key; sent as `authorization: Bearer <key>`. */
  apiKey: string;
  /** The fetch to send requests with (a test's, a proxy agent's); the global fetch by default. */
  fetch?: FetchLike;
  /** Retries of refused requests (429, 503); `false` or `{ attempts: 0 }` turns them off. */
  retries?: RetryOptions | false;
}

/** What every method takes besides openapi-fetch's own options. */
export interface CallOptions {
  /**
   * Sent as the `Idempotency-Key` header (on the routes that take one): a repeat with the same key
   * gets the first answer and does nothing twice, which also makes the call safe to retry on 503.
   */
  idempotencyKey?: string;
}

type MediaType = `${string}/${string}`;

/** The operation of a path and method (openapi-fetch's helpers want it as a record). */
type Operation<Path extends keyof paths, M extends Method> = paths[Path][M] extends infer O extends Record<
  string | number,
  unknown
>
  ? O
  : never;

type RequiredKeysOf<T> = { [K in keyof T]: object extends Pick<T, K> ? never : K }[keyof T];
type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & CallOptions)?] : [Init & CallOptions];

/** One HTTP method, typed for every operation that has it: path, parameters, body and responses. */
export type TunelineMethod<M extends Method> = <
  Path extends PathsWith<M>,
  Init extends MaybeOptionalInit<paths[Path], M>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<FetchResponse<Operation<Path, M>, Init, MediaType>>;

export interface TunelineClient {
  GET: TunelineMethod<'get'>;
  POST: TunelineMethod<'post'>;
  PATCH: TunelineMethod<'patch'>;
  DELETE: TunelineMethod<'delete'>;
  /** Every item of a cursor-paged list, page after page. */
  paginate<P extends PagedPath>(path: P, params: PageParams<P>, options?: PageOptions): AsyncGenerator<PageItem<P>>;
  /** A resource's server-sent events, reconnecting as needed, until the server ends the stream. */
  events<P extends StreamPath>(
    path: P,
    params: StreamParams<P>,
    options?: EventOptions,
  ): AsyncGenerator<StreamEvent<P>>;
  /** The openapi-fetch client underneath, for what the wrappers do not cover (middleware). */
  raw: Client<paths>;
}

/** A fresh idempotency key: one per logical operation, reused when that operation is sent again. */
export const newIdempotencyKey = (): string => crypto.randomUUID();

type Init = { headers?: unknown; [key: string]: unknown } & CallOptions;

/** Moves `idempotencyKey` into the headers openapi-fetch sends. */
function withIdempotencyKey(init: Init | undefined): Init | undefined {
  if (!init?.idempotencyKey) return init;
  const { idempotencyKey, ...rest } = init;
  const headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
  headers.set('idempotency-key', idempotencyKey);
  return { ...rest, headers };
}

export function createTunelineClient(options: TunelineClientOptions): TunelineClient {
  const send: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const raw = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    fetch: options.retries === false ? send : retryingFetch(send, options.retries),
  });
  // openapi-fetch's methods, with the call options taken out first. Its types already say which
  // paths and inits are valid; these wrappers only add `idempotencyKey`.
  const wrap = <M extends Method>(method: Uppercase<M>): TunelineMethod<M> =>
    ((url: string, init?: Init) =>
      (raw[method] as unknown as (url: string, init?: Init) => Promise<unknown>)(
        url,
        withIdempotencyKey(init),
      )) as unknown as TunelineMethod<M>;
  const client: TunelineClient = {
    GET: wrap<'get'>('GET'),
    POST: wrap<'post'>('POST'),
    PATCH: wrap<'patch'>('PATCH'),
    DELETE: wrap<'delete'>('DELETE'),
    paginate: (path, params, pageOptions) => paginate(client.GET, path, params, pageOptions),
    events: (path, params, eventOptions) => followEvents(client.GET, path, params, eventOptions),
    raw,
  };
  return client;
}
