import {
  type CanonicalError,
  canonicalFrom,
  createFaultInjector as createInjector,
  type FaultInjector as Injector,
} from '../shared/fault-injector.js';
import { errors, OpenAIError } from './errors.js';
import type { StatsRecorder } from './stats.js';

/**
 * Injected failures, applied to the OpenAI surface only and before the route runs (see
 * shared/fault-injector.ts for the order). Quota and training refusals are answered by the routes
 * they concern (chat, completions, job creation), since they depend on the endpoint.
 */

export type FaultInjector = Injector<OpenAIError>;

export const createFaultInjector = (stats: StatsRecorder, random: () => number): FaultInjector =>
  createInjector(stats, random, { ErrorClass: OpenAIError, canonical, serverError: errors.serverError });

/** The error for a queued status, as the real API words it where known (notes §8). */
function canonical(status: number, retryHeaders: Record<string, string>): CanonicalError {
  switch (status) {
    case 401:
      return {
        type: 'invalid_request_error',
        message:
          'Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.',
        code: 'invalid_api_key',
        headers: {},
      };
    case 403:
      return {
        type: 'invalid_request_error',
        message: 'Country, region, or territory not supported',
        code: 'unsupported_country_region_territory',
        headers: {},
      };
    case 408:
      return { type: 'invalid_request_error', message: 'Request timed out.', code: 'timeout', headers: {} };
    case 409:
      return {
        type: 'invalid_request_error',
        message: 'The request conflicted with another request. Please retry.',
        code: 'conflict',
        headers: {},
      };
    case 429:
      return {
        type: 'requests',
        message:
          'Rate limit reached for requests. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        code: 'rate_limit_exceeded',
        headers: retryHeaders,
      };
    case 500:
      return canonicalFrom(errors.serverError());
    case 502:
      return { type: 'server_error', message: 'Bad gateway.', code: null, headers: {} };
    case 503:
      return canonicalFrom(errors.overloaded(), retryHeaders);
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
