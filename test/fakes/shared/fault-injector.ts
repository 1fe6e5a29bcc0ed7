import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Injected failures a provider fake applies before a route runs, in this order:
 * hang → latency → next queued status → random 500. What an injected error looks like is the
 * provider's business (`errorFor`, `serverError`); when to inject one is shared.
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

export interface InjectedErrors<E> {
  /** The error for a queued status (a 429 or 503 should carry its retry hints). */
  errorFor(fault: StatusFault): E;
  /** The error `errorRate` answers with. */
  serverError(): E;
}

export function createFaultInjector<E>(
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
        return { kind: 'error', error: injected.errorFor(fault) };
      }
      if (faults.errorRate && random() < faults.errorRate) {
        stats.fault('errorRate');
        return { kind: 'error', error: injected.serverError() };
      }
      return { kind: 'pass' };
    },
  };
}

/** `retry-after` (whole seconds, at least 1) and `retry-after-ms` for a wait. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.round(ms)) };
}
