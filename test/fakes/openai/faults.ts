import { setTimeout as sleep } from 'node:timers/promises';
import { errors, OpenAIError } from './errors.js';
import type { FaultOptions, StatusFault } from './options.js';
import type { StatsRecorder } from './stats.js';

/**
 * Injected failures, applied to the OpenAI surface only and before the route runs:
 * hang → latency → next queued status → random 500. Quota and training refusals are answered by
 * the routes they concern (chat, completions, job creation), since they depend on the endpoint.
 */

export type FaultOutcome = { kind: 'pass' } | { kind: 'hang' } | { kind: 'error'; error: OpenAIError };

export interface FaultInjector {
  /** Re-reads the fault options; a new `statusSequence` replaces the queue, a new `hang` the count. */
  configure(faults: FaultOptions, changed: FaultOptions): void;
  before(path: string): Promise<FaultOutcome>;
  /** Statuses still queued. */
  pending(): (number | StatusFault)[];
  reset(faults: FaultOptions): void;
}

export function createFaultInjector(stats: StatsRecorder, random: () => number): FaultInjector {
  let faults: FaultOptions = {};
  let queue: (number | StatusFault)[] = [];
  let hangsLeft = 0;

  const load = (next: FaultOptions, changed: FaultOptions) => {
    faults = next;
    if (changed.statusSequence !== undefined) queue = [...changed.statusSequence];
    if (changed.hang !== undefined) hangsLeft = typeof changed.hang === 'object' ? changed.hang.count : changed.hang ? Infinity : 0;
  };

  const applies = (path: string): boolean => {
    const paths = faults.paths;
    if (!paths || paths.length === 0) return true;
    const relative = path.replace(/^\/v1/, '');
    return paths.some((prefix) => relative.startsWith(prefix.replace(/^\/v1/, '')));
  };

  return {
    configure: load,
    reset(next) {
      queue = [];
      hangsLeft = 0;
      load(next, next);
    },
    pending: () => [...queue],
    async before(path) {
      if (!applies(path)) return { kind: 'pass' };
      if (hangsLeft > 0) {
        hangsLeft -= 1;
        stats.fault('hung');
        return { kind: 'hang' };
      }
      const delay = (faults.latencyMs ?? 0) + (faults.latencyJitterMs ? random() * faults.latencyJitterMs : 0);
      if (delay > 0) {
        stats.fault('delayed');
        await sleep(delay);
      }
      const next = queue.shift();
      if (next !== undefined) {
        const fault = typeof next === 'number' ? { status: next } : next;
        if (fault.status >= 200 && fault.status < 300) return { kind: 'pass' };
        stats.fault('statusSequence');
        return { kind: 'error', error: injectedError(fault) };
      }
      if (faults.errorRate && random() < faults.errorRate) {
        stats.fault('errorRate');
        return { kind: 'error', error: errors.serverError() };
      }
      return { kind: 'pass' };
    },
  };
}

/** The canonical error for a status, as the real API words it where known (notes §8). */
function injectedError(fault: StatusFault): OpenAIError {
  const retryHeaders = (defaultMs: number): Record<string, string> => {
    const ms = fault.retryAfterMs ?? defaultMs;
    return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.round(ms)) };
  };
  const base = canonical(fault.status, retryHeaders);
  return new OpenAIError(
    fault.status,
    fault.type ?? base.type,
    fault.message ?? base.message,
    fault.param !== undefined ? fault.param : null,
    fault.code !== undefined ? fault.code : base.code,
    { ...base.headers, ...fault.headers },
  );
}

function canonical(
  status: number,
  retryHeaders: (defaultMs: number) => Record<string, string>,
): { type: string; message: string; code: string | null; headers: Record<string, string> } {
  switch (status) {
    case 401:
      return { type: 'invalid_request_error', message: 'Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.', code: 'invalid_api_key', headers: {} };
    case 403:
      return { type: 'invalid_request_error', message: 'Country, region, or territory not supported', code: 'unsupported_country_region_territory', headers: {} };
    case 408:
      return { type: 'invalid_request_error', message: 'Request timed out.', code: 'timeout', headers: {} };
    case 409:
      return { type: 'invalid_request_error', message: 'The request conflicted with another request. Please retry.', code: 'conflict', headers: {} };
    case 429:
      return {
        type: 'requests',
        message: 'Rate limit reached for requests. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        code: 'rate_limit_exceeded',
        headers: retryHeaders(1000),
      };
    case 500:
      return { ...errorParts(errors.serverError()), headers: {} };
    case 502:
      return { type: 'server_error', message: 'Bad gateway.', code: null, headers: {} };
    case 503:
      return { ...errorParts(errors.overloaded()), headers: retryHeaders(1000) };
    case 504:
      return { type: 'server_error', message: 'Gateway timeout.', code: null, headers: {} };
    default:
      return {
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        message: `Injected HTTP ${status} (OpenAI fake statusSequence).`,
        code: null,
        headers: {},
      };
  }
}

const errorParts = (error: OpenAIError) => ({ type: error.type, message: error.message, code: error.code });
