import type { FastifyRequest } from 'fastify';
import { type RequestInfo as SharedRequestInfo, requestInfo as sharedRequestInfo } from '../shared/pipeline.js';
import type { RequestLog } from '../shared/request-log.js';
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

/** The shared per-request bookkeeping, and what the model endpoints note for the response headers. */
export interface RequestInfo extends SharedRequestInfo {
  /** The model the request is about, for the rate-limit headers. */
  model?: string;
  rateLimit?: RateLimitSnapshot;
}

export const requestInfo: (request: FastifyRequest) => RequestInfo | undefined = sharedRequestInfo;
