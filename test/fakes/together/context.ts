import type { FastifyRequest } from 'fastify';
import { type RequestInfo as SharedRequestInfo, requestInfo as sharedRequestInfo } from '../shared/pipeline.js';
import type { RequestLog } from '../shared/request-log.js';
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

/** The shared per-request bookkeeping, and the rate-limit snapshot serverless inference notes for its headers. */
export interface RequestInfo extends SharedRequestInfo {
  rateLimit?: RateLimitSnapshot;
}

export const requestInfo: (request: FastifyRequest) => RequestInfo | undefined = sharedRequestInfo;
