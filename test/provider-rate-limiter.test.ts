import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createProviderRateLimiter } from '../src/lib/provider-rate-limiter.js';
import { uniqueName } from './helpers/harness.js';
import { TEST_REDIS_URL } from './helpers/services.js';

// Two connections stand for two worker processes sharing one Redis.
const first = new Redis(TEST_REDIS_URL);
const second = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  await first.quit();
  await second.quit();
});

const limiters = () => {
  const prefix = uniqueName('tl-limit');
  return [
    createProviderRateLimiter({ redis: first, prefix }),
    createProviderRateLimiter({ redis: second, prefix }),
  ] as const;
};

/** Whether `acquire` gets through within `ms` (it waits otherwise). */
async function passes(acquire: (signal: AbortSignal) => Promise<void>, ms = 300): Promise<boolean> {
  const signal = AbortSignal.timeout(ms);
  return acquire(signal).then(
    () => true,
    () => false,
  );
}

describe('provider rate limiter', () => {
  it('shares one budget between processes: 60 RPM allows 9 requests per 10-second window', async () => {
    const [a, b] = limiters();
    const budget = { rpm: 60 };
    for (let i = 0; i < 9; i++) {
      const limiter = i % 2 ? b : a;
      expect(await passes((signal) => limiter.acquire('openai:m', budget, 1, signal))).toBe(true);
    }
    expect(await passes((signal) => a.acquire('openai:m', budget, 1, signal))).toBe(false);
    expect(await passes((signal) => b.acquire('openai:m', budget, 1, signal))).toBe(false);
    // Another model has its own budget.
    expect(await passes((signal) => b.acquire('openai:other', budget, 1, signal))).toBe(true);
  });

  it('counts tokens, and settles estimates with what the provider reports', async () => {
    const [a, b] = limiters();
    const budget = { tpm: 6_000 }; // 950 tokens per window with 5 % headroom
    expect(await passes((signal) => a.acquire('k', budget, 900, signal))).toBe(true);
    expect(await passes((signal) => b.acquire('k', budget, 100, signal))).toBe(false);
    await a.settle('k', budget, 900, 500); // the call used 400 fewer tokens than estimated
    expect(await passes((signal) => b.acquire('k', budget, 100, signal))).toBe(true);
  });

  it('pauses every process after a 429 and for one refill when the headers say the budget is spent', async () => {
    const [a, b] = limiters();
    await a.pause('k', 2_000);
    expect(await b.pausedFor('k')).toBeGreaterThan(1_500);
    expect(await passes((signal) => b.acquire('k', {}, 1, signal))).toBe(false);
    // A shorter pause never cuts a longer one short.
    await b.pause('k', 10);
    expect(await a.pausedFor('k')).toBeGreaterThan(1_000);

    // 0 of 60 requests left, full reset in 60 s: one request is back after about a second.
    await a.observe('h', { remainingRequests: 0, limitRequests: 60, resetRequestsMs: 60_000 }, 10);
    const wait = await b.pausedFor('h');
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(1_000);
    // Tokens: 100 left, 500 needed, 10,000 limit refilling over 60 s: 400/9,900 of the window.
    await a.observe('t', { remainingTokens: 100, limitTokens: 10_000, resetTokensMs: 60_000 }, 500);
    expect(await b.pausedFor('t')).toBeGreaterThan(2_200);
    expect(await b.pausedFor('t')).toBeLessThanOrEqual(Math.ceil((60_000 * 400) / 9_900));
    // Plenty left: no pause.
    await a.observe('free', { remainingRequests: 50, limitRequests: 60, resetRequestsMs: 10_000 }, 10);
    expect(await b.pausedFor('free')).toBe(0);
  });
});
