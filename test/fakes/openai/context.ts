import type { FastifyRequest } from 'fastify';
import type { RecordedRequest, RequestLog } from '../shared/request-log.js';
import type { ModelRegistry } from './models.js';
import type { ResolvedOptions } from './options.js';
import type { RateLimiter, RateLimitSnapshot } from './rate-limiter.js';
import type { FakeState } from './state.js';
import type { StatsRecorder } from './stats.js';

/** The parts every route shares; built once per fake in server.ts. */
export interface FakeContext {
  options(): ResolvedOptions;
  now(): number;
  random(): number;
  state: FakeState;
  limiter: RateLimiter;
  stats: StatsRecorder;
  log: RequestLog;
  models: ModelRegistry;
}

/** Per-request bookkeeping, kept off the Fastify request type so no global typing leaks out. */
export interface RequestInfo {
  requestId: string;
  startedAt: number;
  entry: RecordedRequest;
  /** The model the request is about, for the rate-limit headers. */
  model?: string;
  rateLimit?: RateLimitSnapshot;
}

const infos = new WeakMap<FastifyRequest, RequestInfo>();

export const setRequestInfo = (request: FastifyRequest, info: RequestInfo): void => {
  infos.set(request, info);
};

export const requestInfo = (request: FastifyRequest): RequestInfo | undefined => infos.get(request);
