import type { FastifyRequest } from 'fastify';
import type { RecordedRequest, RequestLog } from '../shared/request-log.js';
import type { ModelRegistry } from './models.js';
import type { ResolvedOptions } from './options.js';
import type { RateLimiter, RateLimitSnapshot } from './rate-limiter.js';
import type { FakeState } from './state.js';
import type { StatsRecorder } from '../shared/stats.js';

/** The parts every route shares; built once per fake in server.ts. */
export interface FakeContext {
  options(): ResolvedOptions;
  now(): number;
  state: FakeState;
  limiter: RateLimiter;
  stats: StatsRecorder;
  log: RequestLog;
  models: ModelRegistry;
  /** The fake's origin, e.g. `http://127.0.0.1:54321`, for the pre-signed upload URLs it hands out. */
  origin(): string;
}

/** Per-request bookkeeping, kept off the Fastify request type so no global typing leaks out. */
export interface RequestInfo {
  startedAt: number;
  entry: RecordedRequest;
  /** Set by serverless inference, whose responses carry the rate-limit headers. */
  rateLimit?: RateLimitSnapshot;
}

const infos = new WeakMap<FastifyRequest, RequestInfo>();

export const setRequestInfo = (request: FastifyRequest, info: RequestInfo): void => {
  infos.set(request, info);
};

export const requestInfo = (request: FastifyRequest): RequestInfo | undefined => infos.get(request);
