import { TokenBucket } from '../shared/token-bucket.js';
import type { Limits, RateLimitOptions } from './options.js';

/**
 * Together's serverless limits: requests and tokens per second for each model (its docs show
 * them per minute, "as the industry standard", but measure per second), as token buckets that
 * hold one second's allowance. Unlimited dimensions keep a bucket so the headers stay meaningful.
 */

/** What an unlimited bucket reports in the headers. */
export const UNLIMITED = { requests: 10_000, tokens: 10_000_000 } as const;

const SECOND_MS = 1_000;

export interface RateLimitSnapshot {
  limitRequests: number;
  limitTokens: number;
  remainingRequests: number;
  remainingTokens: number;
  resetMs: number;
}

export type RateLimitDecision =
  | { allowed: true; snapshot: RateLimitSnapshot }
  | {
      allowed: false;
      kind: 'requests' | 'tokens';
      model: string;
      limit: number;
      retryAfterMs: number;
      snapshot: RateLimitSnapshot;
    };

export interface RateLimiter {
  consume(model: string, tokens: number): RateLimitDecision;
  peek(model: string): RateLimitSnapshot;
  reset(): void;
}

interface Buckets {
  requests: TokenBucket;
  tokens: TokenBucket;
}

export function createRateLimiter(options: () => RateLimitOptions, now: () => number): RateLimiter {
  const buckets = new Map<string, Buckets>();

  const bucketsFor = (model: string): Buckets => {
    let found = buckets.get(model);
    if (!found) {
      const config = options();
      const limits: Limits = config.models?.[model] ?? config;
      const requests = positive(limits.rps);
      const tokens = positive(limits.tps);
      const at = now();
      found = {
        requests: new TokenBucket(requests ?? UNLIMITED.requests, requests !== undefined, at, SECOND_MS),
        tokens: new TokenBucket(tokens ?? UNLIMITED.tokens, tokens !== undefined, at, SECOND_MS),
      };
      buckets.set(model, found);
    }
    return found;
  };

  const snapshot = ({ requests, tokens }: Buckets, at: number): RateLimitSnapshot => ({
    limitRequests: requests.capacity,
    limitTokens: tokens.capacity,
    remainingRequests: Math.max(0, Math.floor(requests.available(at))),
    remainingTokens: Math.max(0, Math.floor(tokens.available(at))),
    resetMs: Math.max(requests.msUntilFull(at), tokens.msUntilFull(at)),
  });

  return {
    consume(model, tokens) {
      const pair = bucketsFor(model);
      const at = now();
      const refuse = (kind: 'requests' | 'tokens', bucket: TokenBucket, amount: number): RateLimitDecision => ({
        allowed: false,
        kind,
        model,
        limit: bucket.capacity,
        retryAfterMs: Math.max(1, bucket.msUntil(amount, at)),
        snapshot: snapshot(pair, at),
      });
      if (pair.requests.enforced && pair.requests.available(at) < 1) return refuse('requests', pair.requests, 1);
      // A request larger than a second's allowance waits for a full bucket, then runs it into debt.
      const needed = Math.min(tokens, pair.tokens.capacity);
      if (pair.tokens.enforced && pair.tokens.available(at) < needed) return refuse('tokens', pair.tokens, needed);
      pair.requests.take(1, at);
      pair.tokens.take(tokens, at);
      return { allowed: true, snapshot: snapshot(pair, at) };
    },
    peek: (model) => snapshot(bucketsFor(model), now()),
    reset() {
      buckets.clear();
    },
  };
}

const positive = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;

/** The headers Together documents on every serverless inference response. */
export function rateLimitHeaders(snapshot: RateLimitSnapshot): Record<string, string> {
  return {
    'x-ratelimit-limit': String(snapshot.limitRequests),
    'x-ratelimit-remaining': String(snapshot.remainingRequests),
    'x-ratelimit-reset': String(Math.ceil(snapshot.resetMs / 1000)),
    'x-tokenlimit-limit': String(snapshot.limitTokens),
    'x-tokenlimit-remaining': String(snapshot.remainingTokens),
  };
}
