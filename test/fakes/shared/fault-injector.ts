import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderError, ProviderErrorClass } from './provider-error.js';

/**
 * Injected failures a provider fake applies before a route runs, in this order:
 * hang → latency → next queued status → random 500. What an injected error says is the
 * provider's business (`canonical`, `serverError`); when to inject one, and how a queued fault
 * overrides the canonical wording, is shared.
 */

/** A status to answer next, with optional details; 2xx lets the request through normally. */
export interface StatusFault {
  status: number;
  type?: string;
  code?: string | null;
  param?: string | null;
  message?: string;
  /** For 429/503: the wait to advertise (`retry-after` gets the whole seconds, at least 1). */
  retryAfterMs?: number;
  headers?: Record<string, string>;
}

/** The fault options every provider fake understands (each documents them in its own options). */
export interface InjectableFaults {
  errorRate?: number;
  statusSequence?: (number | StatusFault)[];
  latencyMs?: number;
  latencyJitterMs?: number;
  hang?: boolean | { count: number };
  paths?: string[];
}

export type FaultOutcome<E> = { kind: 'pass' } | { kind: 'hang' } | { kind: 'error'; error: E };

export interface FaultInjector<E> {
  /** Re-reads the fault options; a new `statusSequence` replaces the queue, a new `hang` the count. */
  configure(faults: InjectableFaults, changed: InjectableFaults): void;
  before(path: string): Promise<FaultOutcome<E>>;
  /** Statuses still queued. */
  pending(): (number | StatusFault)[];
  reset(faults: InjectableFaults): void;
}

export interface FaultCounter {
  fault(kind: 'statusSequence' | 'errorRate' | 'hung' | 'delayed'): void;
}

/** What a provider answers for a status, unless the queued fault says otherwise. */
export interface CanonicalError {
  type: string;
  message: string;
  code: string | null;
  headers: Record<string, string>;
}

export interface InjectedErrors<E extends ProviderError> {
  ErrorClass: ProviderErrorClass<E>;
  /** The canonical error for a queued status; a 429 or 503 should carry `retryHeaders`. */
  canonical(status: number, retryHeaders: Record<string, string>): CanonicalError;
  /** The error `errorRate` answers with. */
  serverError(): E;
}

export function createFaultInjector<E extends ProviderError>(
  stats: FaultCounter,
  random: () => number,
  injected: InjectedErrors<E>,
): FaultInjector<E> {
  let faults: InjectableFaults = {};
  let queue: (number | StatusFault)[] = [];
  let hangsLeft = 0;

  const load = (next: InjectableFaults, changed: InjectableFaults) => {
    faults = next;
    if (changed.statusSequence !== undefined) queue = [...changed.statusSequence];
    if (changed.hang !== undefined)
      hangsLeft = typeof changed.hang === 'object' ? changed.hang.count : changed.hang ? Infinity : 0;
  };

  // Both fakes serve under /v1; `paths` may be given with or without it.
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
        return { kind: 'error', error: errorFor(fault, injected) };
      }
      if (faults.errorRate && random() < faults.errorRate) {
        stats.fault('errorRate');
        return { kind: 'error', error: injected.serverError() };
      }
      return { kind: 'pass' };
    },
  };
}

/** The canonical error for the fault's status, with each part the fault sets taking precedence. */
function errorFor<E extends ProviderError>(fault: StatusFault, injected: InjectedErrors<E>): E {
  const base = injected.canonical(fault.status, retryAfterHeaders(fault.retryAfterMs ?? 1000));
  return new injected.ErrorClass(
    fault.status,
    fault.type ?? base.type,
    fault.message ?? base.message,
    fault.param !== undefined ? fault.param : null,
    fault.code !== undefined ? fault.code : base.code,
    { ...base.headers, ...fault.headers },
  );
}

/** A catalogue error as a canonical one, e.g. the provider's usual 500 for an injected 500. */
export const canonicalFrom = (error: ProviderError, headers: Record<string, string> = {}): CanonicalError => ({
  type: error.type,
  message: error.message,
  code: error.code,
  headers,
});

/** `retry-after` (whole seconds, at least 1) and `retry-after-ms` for a wait. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.round(ms)) };
}
