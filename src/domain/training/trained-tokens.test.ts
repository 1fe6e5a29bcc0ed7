import { describe, expect, it } from 'vitest';
import { checkTrainedTokens } from './trained-tokens.js';

const estimate = { billableTokens: 3_000, epochs: 3 };

describe('checkTrainedTokens', () => {
  it('keeps a plausible count, including a different number of epochs than estimated', () => {
    expect(checkTrainedTokens(2_950, estimate)).toEqual({ tokens: 2_950, oddity: null });
    expect(checkTrainedTokens(50_000, estimate)).toEqual({ tokens: 50_000, oddity: null });
    expect(checkTrainedTokens(0, estimate)).toEqual({ tokens: 0, oddity: null });
  });

  it('has nothing to say about an absent count', () => {
    expect(checkTrainedTokens(null, estimate)).toEqual({ tokens: null, oddity: null });
  });

  it('sets aside negative, fractional and absurd counts, saying why', () => {
    expect(checkTrainedTokens(-5, estimate)).toEqual({
      tokens: null,
      oddity: expect.stringContaining('trained_tokens -5, which is not a token count'),
    });
    expect(checkTrainedTokens(1.5, estimate).tokens).toBeNull();
    // 1,000 tokens an epoch × 50 epochs × 2 = 100,000 at most.
    expect(checkTrainedTokens(100_000, estimate).tokens).toBe(100_000);
    expect(checkTrainedTokens(100_001, estimate)).toEqual({
      tokens: null,
      oddity: expect.stringContaining('at most 100000'),
    });
  });

  it('without an estimate, still refuses what the column cannot hold', () => {
    expect(checkTrainedTokens(2_147_483_647, null).tokens).toBe(2_147_483_647);
    expect(checkTrainedTokens(2_147_483_648, null).tokens).toBeNull();
    expect(checkTrainedTokens(Number.MAX_SAFE_INTEGER + 2, null).tokens).toBeNull();
  });
});
