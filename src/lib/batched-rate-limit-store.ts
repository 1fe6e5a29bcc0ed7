import type { Redis } from 'ioredis';

/**
 * A @fastify/rate-limit store (its `store` option) that decides most requests in memory and
 * reconciles with Redis in batches, so a request costs no Redis round trip yet the limit still
 * holds across every API instance.
 *
 * Windows are fixed, as with the plugin's own Redis store (and in the same Redis keys): a key's
 * count lives in Redis from its first request until the window expires. Each instance keeps, per
 * key, the count Redis last reported plus the increments it has made since. Every `syncMs` while
 * increments are pending, one timer sends all of them in ONE script call (INCRBY, and PEXPIRE
 * when the window starts, per key) and takes the totals back.
 *
 * A request more than the headroom (a tenth of the limit, at least one) below the limit by
 * `reported + own unsent + 1`, which never exceeds the true count, is let through at once. Any
 * other, near or over the limit, waits for the next batch (at most `syncMs` and one round trip)
 * and is decided by its exact place in Redis's count, with Redis's time left in the window.
 *
 * Error bound: the only requests let through over the limit are those decided in memory while
 * other instances had spent more than the headroom unseen. An instance learns the true count
 * within `syncMs` + one round trip of its first request after the limit is reached, and lets
 * none through in memory after that; so with N instances and sync interval T, at most about
 * N × (requests one instance takes for the key in T + one round trip) go over — instances × rate
 * × T. Sequential requests, even alternating between instances, stay exact as long as each
 * instance's view lags by no more than the headroom, e.g. when each instance's batch has gone out
 * before another instance takes the next request (test/rate-limit-instances.test.ts).
 */
export interface RateLimitCount {
  current: number;
  ttl: number;
}
type Callback = (error: Error | null, result?: RateLimitCount) => void;

const COMMAND = 'tunelineRateLimitBatch';
// KEYS: the counters; ARGV: per key, the increment and the window in ms. Returns count and PTTL per key.
const SCRIPT = `
local answers = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, ARGV[2 * i - 1])
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    ttl = tonumber(ARGV[2 * i])
    redis.call('PEXPIRE', key, ttl)
  end
  answers[2 * i - 1] = count
  answers[2 * i] = ttl
end
return answers
`;
type BatchCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;

/** Near the limit, the last tenth of it is decided by Redis rather than in memory. */
const NEAR_LIMIT_SHARE = 0.1;
const headroomOf = (max: number) => Math.max(1, Math.ceil(max * NEAR_LIMIT_SHARE));
// Keys beyond this many are dropped when idle; one forgotten relearns its count at its next batch.
const MAX_KEYS = 10_000;

interface KeyState {
  /** The count Redis last reported for the current window. */
  reported: number;
  /** When Redis said the window ends (0: not known yet). */
  windowEndsAt: number;
  timeWindow: number;
  /** Counted here, not sent yet. */
  unsent: number;
  /** Sent in batches not answered yet. */
  sending: number;
  /** Requests near the limit waiting for the batch's answer, with their place among `unsent`. */
  waiting: { place: number; callback: Callback }[];
}

export function batchedRateLimitStore({
  redis,
  syncMs,
  onError = () => undefined,
}: {
  /** A connection that fails fast: while it is not ready, requests are not counted (the plugin lets them through). */
  redis: Redis;
  syncMs: number;
  onError?: (error: unknown) => void;
}) {
  redis.defineCommand(COMMAND, { lua: SCRIPT });
  const runBatch = (redis as unknown as Record<string, BatchCommand>)[COMMAND]!.bind(redis);
  const states = new Map<string, KeyState>();
  const dirty = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  const count = (key: string, callback: Callback, timeWindow: number, max: number) => {
    if (redis.status !== 'ready') {
      callback(new Error('the rate limit store is not connected to Redis'));
      return;
    }
    const now = Date.now();
    let state = states.get(key);
    if (!state) {
      state = { reported: 0, windowEndsAt: 0, timeWindow, unsent: 0, sending: 0, waiting: [] };
      states.set(key, state);
    } else if (state.windowEndsAt && state.windowEndsAt <= now) {
      // Redis has let the window's counter expire: the next batch starts a new one.
      state.reported = 0;
      state.windowEndsAt = 0;
    }
    state.timeWindow = timeWindow;
    state.unsent++;
    dirty.add(key);
    timer ??= setTimeout(flush, syncMs).unref();
    const current = state.reported + state.sending + state.unsent;
    if (current <= max - headroomOf(max)) {
      callback(null, { current, ttl: state.windowEndsAt ? state.windowEndsAt - now : timeWindow });
    } else {
      // Near or over the limit Redis decides, with its count and its window's end: a refusal's
      // retry-after is then never older than the last batch.
      state.waiting.push({ place: state.unsent, callback });
    }
  };

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch: { key: string; state: KeyState; sent: number; waiting: KeyState['waiting'] }[] = [];
    for (const key of dirty) {
      const state = states.get(key);
      if (!state || state.unsent === 0) continue;
      batch.push({ key, state, sent: state.unsent, waiting: state.waiting });
      state.sending += state.unsent;
      state.unsent = 0;
      state.waiting = [];
    }
    dirty.clear();
    if (batch.length === 0) return Promise.resolve();
    const args = batch.flatMap(({ sent, state }) => [sent, state.timeWindow]);
    const sending = runBatch(batch.length, ...batch.map(({ key }) => key), ...args)
      .then(
        (answers) => {
          const now = Date.now();
          batch.forEach(({ state, sent, waiting }, i) => {
            const total = answers[2 * i]!;
            const ttl = answers[2 * i + 1]!;
            state.sending -= sent;
            state.reported = total;
            state.windowEndsAt = now + ttl;
            // This batch holds places total - sent + 1 … total, in the order its requests came.
            for (const { place, callback } of waiting) callback(null, { current: total - sent + place, ttl });
          });
        },
        (error: unknown) => {
          // Not counted, as a request is not when Redis is away; those waiting are let through.
          onError(error);
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const { state, sent, waiting } of batch) {
            state.sending -= sent;
            for (const { callback } of waiting) callback(failure);
          }
        },
      )
      .finally(() => {
        inFlight.delete(sending);
        if (states.size > MAX_KEYS) forgetIdle();
      });
    inFlight.add(sending);
    return sending;
  };

  const forgetIdle = () => {
    for (const [key, state] of states) {
      if (state.unsent === 0 && state.sending === 0) states.delete(key);
    }
  };

  /** The class the plugin instantiates; `child` gives each route its own counters, named as the plugin's Redis store names them. */
  class Store {
    constructor(
      _options?: unknown,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      count(this.prefix + key, callback, timeWindow, max);
    }

    // The plugin passes the route's merged limit options, the route itself under `routeInfo`
    // (its type declarations say otherwise).
    child(routeOptions: object): Store {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? {};
      return new Store(undefined, `${this.prefix}${String(route.method)}${String(route.url)}-`);
    }
  }

  return {
    /** A store for keys starting with `prefix` (the plugin's `nameSpace`). */
    storeClass(prefix: string) {
      return class extends Store {
        constructor(options?: unknown) {
          super(options, prefix);
        }
      };
    },

    /** Sends what is counted now and waits for every batch in flight (on close, so no count is lost). */
    async flush(): Promise<void> {
      await flush();
      await Promise.all(inFlight);
    },
  };
}

export type BatchedRateLimitStore = ReturnType<typeof batchedRateLimitStore>;
