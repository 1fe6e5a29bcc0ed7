import { TokenBucket } from '../shared/token-bucket.js';
import { goDuration } from './go-duration.js';
import type { Limits, RateLimitOptions } from './options.js';

/**
 * Requests-per-minute and tokens-per-minute limits as continuously refilling token buckets:
 * a bucket holds up to one minute's limit and refills at limit/60 s, which is how OpenAI's
 * limits behave (a burst may use the whole minute, then capacity trickles back).
 * Unlimited dimensions still keep a bucket so the headers stay meaningful; it never refuses.
 */

/** What an unlimited bucket reports in the headers. */
export const UNLIMITED = { requests: 1_000_000, tokens: 1_000_000_000 } as const;

export interface RateLimitSnapshot {
  limitRequests: number;
  limitTokens: number;
  remainingRequests: number;
  remainingTokens: number;
  resetRequestsMs: number;
  resetTokensMs: number;
}

export type RateLimitDecision =
  | { allowed: true; snapshot: RateLimitSnapshot }
  | {
      allowed: false;
      kind: 'requests' | 'tokens';
      /** The request alone exceeds the per-minute limit: no wait helps. */
      tooLarge: boolean;
      model: string;
      limit: number;
      used: number;
      requested: number;
      retryAfterMs: number;
      snapshot: RateLimitSnapshot;
    };

interface Buckets {
  requests: TokenBucket;
  tokens: TokenBucket;
}

export interface RateLimiter {
  /** Takes one request and `tokens` tokens from the model's buckets, or says why not. */
  consume(model: string | undefined, tokens: number): RateLimitDecision;
  /** The buckets' state without taking anything, for the headers of other endpoints. */
  peek(model: string | undefined): RateLimitSnapshot;
  reset(): void;
}

export function createRateLimiter(options: () => RateLimitOptions, now: () => number): RateLimiter {
  const buckets = new Map<string, Buckets>();

  const keyFor = (model: string | undefined): string => {
    if (options().scope === 'shared' || !model) return '*';
    // Fine-tuned models draw on their base model's limits.
    return model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
  };

  const bucketsFor = (key: string): Buckets => {
    let found = buckets.get(key);
    if (!found) {
      const config = options();
      const limits: Limits = (key !== '*' ? config.models?.[key] : undefined) ?? config;
      const at = now();
      const requests = positive(limits.rpm);
      const tokens = positive(limits.tpm);
      found = {
        requests: new TokenBucket(requests ?? UNLIMITED.requests, requests !== undefined, at),
        tokens: new TokenBucket(tokens ?? UNLIMITED.tokens, tokens !== undefined, at),
      };
      buckets.set(key, found);
    }
    return found;
  };

  const snapshot = ({ requests, tokens }: Buckets, at: number): RateLimitSnapshot => ({
    limitRequests: requests.capacity,
    limitTokens: tokens.capacity,
    remainingRequests: Math.max(0, Math.floor(requests.available(at))),
    remainingTokens: Math.max(0, Math.floor(tokens.available(at))),
    resetRequestsMs: requests.msUntilFull(at),
    resetTokensMs: tokens.msUntilFull(at),
  });

  return {
    consume(model, tokens) {
      const key = keyFor(model);
      const pair = bucketsFor(key);
      const at = now();
      const refuse = (kind: 'requests' | 'tokens', bucket: TokenBucket, requested: number) => ({
        allowed: false as const,
        kind,
        tooLarge: requested > bucket.capacity,
        model: key === '*' ? (model ?? 'all models') : key,
        limit: bucket.capacity,
        used: Math.max(0, Math.ceil(bucket.capacity - bucket.available(at))),
        requested,
        retryAfterMs: bucket.msUntil(requested, at),
        snapshot: snapshot(pair, at),
      });
      if (pair.requests.enforced && pair.requests.available(at) < 1) return refuse('requests', pair.requests, 1);
      if (pair.tokens.enforced && (tokens > pair.tokens.capacity || pair.tokens.available(at) < tokens)) {
        return refuse('tokens', pair.tokens, tokens);
      }
      pair.requests.take(1, at);
      pair.tokens.take(tokens, at);
      return { allowed: true, snapshot: snapshot(pair, at) };
    },
    peek(model) {
      return snapshot(bucketsFor(keyFor(model)), now());
    },
    reset() {
      buckets.clear();
    },
  };
}

const positive = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;

export function rateLimitHeaders(snapshot: RateLimitSnapshot): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(snapshot.limitRequests),
    'x-ratelimit-limit-tokens': String(snapshot.limitTokens),
    'x-ratelimit-remaining-requests': String(snapshot.remainingRequests),
    'x-ratelimit-remaining-tokens': String(snapshot.remainingTokens),
    'x-ratelimit-reset-requests': goDuration(snapshot.resetRequestsMs),
    'x-ratelimit-reset-tokens': goDuration(snapshot.resetTokensMs),
  };
}

/** The real wording (notes §8), e.g. "... on tokens per min (TPM): Limit 10000, Used 8554, Requested 3082. ..." */
export function rateLimitMessage(
  decision: Extract<RateLimitDecision, { allowed: false }>,
  organization: string,
): string {
  const unit = decision.kind === 'tokens' ? 'tokens per min (TPM)' : 'requests per min (RPM)';
  if (decision.tooLarge) {
    return `Request too large for ${decision.model} in organization ${organization} on ${unit}: Limit ${decision.limit}, Requested ${decision.requested}. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.`;
  }
  return `Rate limit reached for ${decision.model} in organization ${organization} on ${unit}: Limit ${decision.limit}, Used ${decision.used}, Requested ${decision.requested}. Please try again in ${goDuration(decision.retryAfterMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
}
