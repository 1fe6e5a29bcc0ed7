export {
  createTunelineClient,
  newIdempotencyKey,
  type CallOptions,
  type TunelineClient,
  type TunelineClientOptions,
  type TunelineMethod,
} from './client.js';
export type { EventOptions, StreamEvent, StreamParams, StreamPath, StreamResource } from './events.js';
export {
  TunelineClientError,
  type PagedPath,
  type PageItem,
  type PageOptions,
  type PageParams,
} from './paginate.js';
export { TunelineProblem, unwrap, type CallResult, type FieldProblem, type Problem } from './problem.js';
export {
  isRetryable,
  retryAfterMs,
  retryingFetch,
  type FetchLike,
  type RetryNotice,
  type RetryOptions,
} from './retry.js';
export type { components, operations, paths } from './schema.js';
export type { Method, PathsWith, RequestBody, ResponseBody } from './types.js';
