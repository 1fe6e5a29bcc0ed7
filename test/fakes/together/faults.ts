import {
  type CanonicalError,
  canonicalFrom,
  createFaultInjector as createInjector,
  type FaultInjector as Injector,
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
  createInjector(stats, random, { ErrorClass: TogetherError, canonical, serverError: errors.serverError });

/** The error for a queued status, worded as Together's docs describe it where they do. */
function canonical(status: number, retry: Record<string, string>): CanonicalError {
  switch (status) {
    case 401:
      return canonicalFrom(errors.missingApiKey());
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
      return canonicalFrom(errors.serverError());
    case 502:
      return { type: 'server_error', message: 'Bad gateway.', code: null, headers: {} };
    case 503:
      // At or below your dynamic rate, a burst the platform cannot absorb is a 503: the model is overloaded.
      return canonicalFrom(errors.overloaded({}), retry);
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
