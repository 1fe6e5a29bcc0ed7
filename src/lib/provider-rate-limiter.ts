import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Rate-limit state a provider reported with its answer (x-ratelimit-* headers). */
export interface RateLimitSnapshot {
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

export interface RateBudget {
  /** Requests per minute allowed at the provider for this model. */
  rpm?: number;
  /** Tokens per minute (prompt + maximum completion, as providers count them). */
  tpm?: number;
}

/*
 * Budgets are spent in 10-second windows of a sixth of the per-minute limit, not in 60-second
 * windows: a fixed minute window lets a full minute's budget go out at the end of one window and
 * again at the start of the next, which a provider's continuously refilled bucket answers with 429s.
 * Short windows keep any burst small; `headroom` keeps the rate just under the limit so estimation
 * error does not tip it over.
 */
const WINDOW_SECONDS = 10;
const WINDOWS_PER_MINUTE = 60 / WINDOW_SECONDS;

interface Limiters {
  requests?: RateLimiterRedis;
  tokens?: RateLimiterRedis;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Rate limits per provider and model that hold across every worker process, because all of them
 * count in the same Redis keys.
 */
export function createProviderRateLimiter(options: { redis: Redis; prefix: string; headroom?: number }) {
  const headroom = options.headroom ?? 0.95;
  const limiters = new Map<string, Limiters>();
  const pauseKey = (key: string) => `${options.prefix}:ratelimit:pause:${key}`;

  const limitersFor = (key: string, budget: RateBudget): Limiters => {
    const id = `${key}|${budget.rpm ?? '-'}|${budget.tpm ?? '-'}`;
    let found = limiters.get(id);
    if (!found) {
      const make = (kind: string, perMinute: number) =>
        new RateLimiterRedis({
          storeClient: options.redis,
          keyPrefix: `${options.prefix}:ratelimit:${kind}`,
          points: Math.max(1, Math.floor((perMinute * headroom) / WINDOWS_PER_MINUTE)),
          duration: WINDOW_SECONDS,
        });
      found = {
        requests: budget.rpm ? make('rpm', budget.rpm) : undefined,
        tokens: budget.tpm ? make('tpm', budget.tpm) : undefined,
      };
      limiters.set(id, found);
    }
    return found;
  };

  const pausedFor = async (key: string): Promise<number> => Math.max(0, await options.redis.pttl(pauseKey(key)));

  return {
    pausedFor,

    /** Waits until one request of about `tokens` tokens fits every budget, then takes it. */
    async acquire(key: string, budget: RateBudget, tokens: number, signal?: AbortSignal): Promise<void> {
      const { requests, tokens: tokenLimiter } = limitersFor(key, budget);
      for (;;) {
        const paused = await pausedFor(key);
        if (paused > 0) {
          await sleep(paused, signal);
          continue;
        }
        try {
          await requests?.consume(key, 1);
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          await sleep(error.msBeforeNext + 5, signal);
          continue;
        }
        // A request bigger than a whole window's token budget still has to go through eventually.
        const cost = tokenLimiter ? Math.min(tokens, tokenLimiter.points) : 0;
        try {
          if (tokenLimiter && cost > 0) await tokenLimiter.consume(key, cost);
          return;
        } catch (error) {
          await requests?.reward(key, 1);
          if (!(error instanceof RateLimiterRes)) throw error;
          await sleep(error.msBeforeNext + 5, signal);
        }
      }
    },

    /** Corrects the token count once the provider reports what a call really used. */
    async settle(key: string, budget: RateBudget, estimated: number, actual: number): Promise<void> {
      const { tokens } = limitersFor(key, budget);
      if (!tokens || actual === estimated) return;
      if (actual > estimated) await tokens.penalty(key, actual - estimated);
      else await tokens.reward(key, estimated - actual);
    },

    /** Stops every worker from calling `key` for `ms` (after a 429, or when the provider says it is nearly out). */
    async pause(key: string, ms: number): Promise<void> {
      if (ms <= 0) return;
      // Only ever lengthen a pause: a short retry-after must not cut a longer one short.
      const current = await pausedFor(key);
      if (ms > current) await options.redis.set(pauseKey(key), '1', 'PX', Math.ceil(ms));
    },

    /**
     * Slows down before the provider's own limit is hit. Its reset headers give the time until the
     * whole budget is back; with the limit known, the wait for just what the next call needs is
     * that share of it (the budget refills steadily), so a nearly empty budget costs a short pause.
     */
    async observe(key: string, snapshot: RateLimitSnapshot | undefined, minRemainingTokens: number): Promise<void> {
      if (!snapshot) return;
      const waitFor = (needed: number, remaining?: number, limit?: number, resetMs?: number) => {
        if (remaining === undefined || resetMs === undefined || remaining >= needed) return 0;
        const missing = limit !== undefined && limit > remaining ? limit - remaining : undefined;
        return missing ? (resetMs * (needed - remaining)) / missing : resetMs;
      };
      const wait = Math.max(
        waitFor(1, snapshot.remainingRequests, snapshot.limitRequests, snapshot.resetRequestsMs),
        waitFor(minRemainingTokens, snapshot.remainingTokens, snapshot.limitTokens, snapshot.resetTokensMs),
      );
      await this.pause(key, wait);
    },
  };
}

export type ProviderRateLimiter = ReturnType<typeof createProviderRateLimiter>;
