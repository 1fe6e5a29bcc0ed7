import CircuitBreaker from 'opossum';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface CircuitSettings {
  errorPercent: number;
  minCalls: number;
  windowMs: number;
  resetMs: number;
}

/** A model call that did not finish within the task's budget. */
class CallTimeout extends Error {
  readonly code = 'timeout';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

type Call<T> = (signal: AbortSignal) => Promise<T>;
const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * One circuit breaker (opossum) per model version, shared by every task request in this process:
 * after enough failures in the window it opens and calls fail fast (classify goes straight to
 * the fallback); after the reset time one trial call goes through, and success closes it again.
 * Timeouts are enforced here per call, with an AbortSignal the provider honours, rather than by
 * opossum, whose timeout cannot cancel the request it gave up on.
 */
export function modelBreakers(settings: CircuitSettings, metrics: Registry) {
  const breakers = new Map<string, CircuitBreaker<[Call<unknown>, number], unknown>>();
  const registers = [metrics];
  const stateGauge = new Gauge({
    name: 'tuneline_circuit_state',
    help: 'Circuit per model version: 0 closed, 1 half-open, 2 open',
    labelNames: ['model_version'] as const,
    registers,
  });
  const transitions = new Counter({
    name: 'tuneline_circuit_transitions_total',
    help: 'Circuit state changes per model version',
    labelNames: ['model_version', 'state'] as const,
    registers,
  });

  const runWithTimeout = async (call: Call<unknown>, timeoutMs: number) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new CallTimeout(timeoutMs));
      }, timeoutMs);
    });
    try {
      return await Promise.race([call(controller.signal), expired]);
    } finally {
      clearTimeout(timer);
    }
  };

  const breakerFor = (modelId: string) => {
    let breaker = breakers.get(modelId);
    if (!breaker) {
      breaker = new CircuitBreaker(runWithTimeout, {
        name: modelId,
        timeout: false,
        errorThresholdPercentage: settings.errorPercent,
        volumeThreshold: settings.minCalls,
        rollingCountTimeout: settings.windowMs,
        resetTimeout: settings.resetMs,
        // Only the counts decide when a circuit opens. Latency percentiles would keep every call's
        // latency in the window and sort them all whenever the stats are read (on each failure),
        // and snapshots would do it every bucket: work on the classify path that nothing reads.
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      });
      const track = (state: keyof typeof STATE_VALUE) => () => {
        stateGauge.set({ model_version: modelId }, STATE_VALUE[state]);
        transitions.inc({ model_version: modelId, state });
      };
      breaker.on('open', track('open'));
      breaker.on('halfOpen', track('half_open'));
      breaker.on('close', track('closed'));
      stateGauge.set({ model_version: modelId }, 0);
      breakers.set(modelId, breaker);
    }
    return breaker;
  };

  return {
    /** Runs `call` through the model's breaker; rejects with code EOPENBREAKER when it is open. */
    fire<T>(modelId: string, timeoutMs: number, call: Call<T>): Promise<T> {
      return breakerFor(modelId).fire(call, timeoutMs) as Promise<T>;
    },

    state(modelId: string): 'closed' | 'half_open' | 'open' {
      const breaker = breakers.get(modelId);
      if (!breaker || breaker.closed) return 'closed';
      return breaker.halfOpen ? 'half_open' : 'open';
    },

    /** Seconds until an open circuit lets a trial call through (for retry-after). */
    retryAfterSeconds(modelId: string): number {
      return this.state(modelId) === 'open' ? Math.max(1, Math.ceil(settings.resetMs / 1000)) : 1;
    },

    /** Stops the breakers' window timers (they would keep a process alive). */
    shutdown(): void {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
    },
  };
}

export type ModelBreakers = ReturnType<typeof modelBreakers>;
export const isOpenCircuit = (error: unknown): boolean =>
  (error as { code?: string } | undefined)?.code === 'EOPENBREAKER';
