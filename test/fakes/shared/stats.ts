/**
 * Counters a test or benchmark reads through `stats()` or `GET /_fake/stats`. A provider may add
 * counters of its own (`extra`, e.g. OpenAI's `insufficientQuota`), counted with `count`.
 */

export interface ModelStats {
  requests: number;
  succeeded: number;
  rateLimited: number;
  promptTokens: number;
  completionTokens: number;
}

export interface FakeStats {
  startedAt: string;
  requests: { total: number; byStatus: Record<string, number>; byRoute: Record<string, number> };
  rateLimited: { requests: number; tokens: number; total: number };
  faults: { statusSequence: number; errorRate: number; hung: number; delayed: number };
  tokens: { prompt: number; completion: number; total: number };
  models: Record<string, ModelStats>;
  inFlight: number;
  maxInFlight: number;
  /** Statuses still queued by `faults.statusSequence`. */
  pendingStatuses: number;
}

export interface StatsRecorder<Extra extends Record<string, number> = Record<never, number>> {
  snapshot(): FakeStats & Extra;
  reset(): void;
  requestStarted(): void;
  requestFinished(): void;
  responded(route: string, status: number): void;
  rateLimited(kind: 'requests' | 'tokens', model: string): void;
  fault(kind: keyof FakeStats['faults']): void;
  served(model: string, promptTokens: number, completionTokens: number): void;
  modelRequested(model: string): void;
  /** Adds one to a provider's own counter. */
  count(counter: keyof Extra): void;
}

// The provider's counters sit after `rateLimited`, where the OpenAI fake has always shown its own.
const blank = <Extra extends Record<string, number>>(extra: Extra): FakeStats & Extra => ({
  startedAt: new Date().toISOString(),
  requests: { total: 0, byStatus: {}, byRoute: {} },
  rateLimited: { requests: 0, tokens: 0, total: 0 },
  ...extra,
  faults: { statusSequence: 0, errorRate: 0, hung: 0, delayed: 0 },
  tokens: { prompt: 0, completion: 0, total: 0 },
  models: {},
  inFlight: 0,
  maxInFlight: 0,
  pendingStatuses: 0,
});

export function createStats<Extra extends Record<string, number>>(extra: Extra): StatsRecorder<Extra> {
  let stats = blank(extra);
  const model = (name: string): ModelStats =>
    (stats.models[name] ??= { requests: 0, succeeded: 0, rateLimited: 0, promptTokens: 0, completionTokens: 0 });
  return {
    snapshot: () => structuredClone(stats),
    reset() {
      // In-flight requests outlive a reset; keep their count so it never goes negative.
      const inFlight = stats.inFlight;
      stats = blank(extra);
      stats.inFlight = inFlight;
      stats.maxInFlight = inFlight;
    },
    requestStarted() {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    },
    requestFinished() {
      stats.inFlight = Math.max(0, stats.inFlight - 1);
    },
    responded(route, status) {
      stats.requests.total += 1;
      stats.requests.byStatus[status] = (stats.requests.byStatus[status] ?? 0) + 1;
      stats.requests.byRoute[route] = (stats.requests.byRoute[route] ?? 0) + 1;
    },
    rateLimited(kind, name) {
      stats.rateLimited[kind] += 1;
      stats.rateLimited.total += 1;
      model(name).rateLimited += 1;
    },
    fault(kind) {
      stats.faults[kind] += 1;
    },
    served(name, promptTokens, completionTokens) {
      const entry = model(name);
      entry.succeeded += 1;
      entry.promptTokens += promptTokens;
      entry.completionTokens += completionTokens;
      stats.tokens.prompt += promptTokens;
      stats.tokens.completion += completionTokens;
      stats.tokens.total += promptTokens + completionTokens;
    },
    modelRequested(name) {
      model(name).requests += 1;
    },
    count(counter) {
      (stats as Record<keyof Extra, number>)[counter] += 1;
    },
  };
}
