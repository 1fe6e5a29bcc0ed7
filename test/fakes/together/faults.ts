import {
  createFaultInjector as createInjector,
  type FaultInjector as Injector,
  retryAfterHeaders,
  type StatusFault,
} from '../shared/fault-injector.js';
import { errors, TogetherError } from './errors.js';
import type { StatsRecorder } from '../shared/stats.js';

/**
 * Injected failures on the Together surface, applied before the route runs (see
 * shared/fault-injector.ts for the order). The job, endpoint and answer faults are applied by the
 * routes they concern.
 */

export type FaultInjector = Injector<TogetherError>;

export const createFaultInjector = (stats: StatsRecorder, random: () => number): FaultInjector =>
  createInjector(stats, random, { errorFor: injectedError, serverError: errors.serverError });

/** The error for a queued status, worded as Together's docs describe it where they do. */
function injectedError(fault: StatusFault): TogetherError {
  const base = canonical(fault.status, retryAfterHeaders(fault.retryAfterMs ?? 1000));
  return new TogetherError(
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
  retry: Record<string, string>,
): { type: string; message: string; code: string | null; headers: Record<string, string> } {
  switch (status) {
    case 401:
      return { ...parts(errors.missingApiKey()), headers: {} };
    case 403:
      return {
        type: 'invalid_request_error',
        message: 'You do not have access to this resource.',
        code: 'forbidden',
        headers: {},
      };
    case 429:
      // Together's dynamic rate limits: above your dynamic rate a request gets 429 with this error type.
      return {
        type: 'dynamic_request_limited',
        message: 'Request was rejected due to request rate limiting. Please slow down and retry.',
        code: 'rate_limit_exceeded',
        headers: retry,
      };
    case 500:
      return { ...parts(errors.serverError()), headers: {} };
    case 502:
      return { type: 'server_error', message: 'Bad gateway.', code: null, headers: {} };
    case 503:
      // At or below your dynamic rate, a burst the platform cannot absorb is a 503: the model is overloaded.
      return { ...parts(errors.overloaded({})), headers: retry };
    case 504:
      return {
        type: 'server_error',
        message: 'Gateway timeout. The request took too long.',
        code: 'timeout',
        headers: {},
      };
    default:
      return {
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        message: `Injected HTTP ${status} (Together fake statusSequence).`,
        code: null,
        headers: {},
      };
  }
}

const parts = (error: TogetherError) => ({ type: error.type, message: error.message, code: error.code });
