import { describe, expect, it } from 'vitest';
import { boundedUsage, promptTokenBound } from './reported-usage.js';

const bounds = { maxInputTokens: 500, maxOutputTokens: 4 };

describe('boundedUsage', () => {
  it('keeps plausible counts as reported', () => {
    expect(boundedUsage({ prompt_tokens: 120, completion_tokens: 2 }, bounds)).toEqual({
      inputTokens: 120,
      outputTokens: 2,
      oddities: [],
    });
  });

  it('clamps negative counts to zero and says so', () => {
    expect(boundedUsage({ prompt_tokens: -40, completion_tokens: 1 }, bounds)).toEqual({
      inputTokens: 0,
      outputTokens: 1,
      oddities: ['negative_usage'],
    });
  });

  it('caps counts above what the call could have used', () => {
    expect(boundedUsage({ prompt_tokens: 9_000_000_000, completion_tokens: 2_000_000 }, bounds)).toEqual({
      inputTokens: 500,
      outputTokens: 4,
      oddities: ['usage_over_bound'],
    });
  });

  it('rounds fractions, zeroes non-numbers and notes a missing usage object', () => {
    expect(boundedUsage({ prompt_tokens: 10.6, completion_tokens: '3' }, bounds)).toEqual({
      inputTokens: 11,
      outputTokens: 0,
      oddities: ['non_integer_usage'],
    });
    expect(boundedUsage({ prompt_tokens: Number.NaN }, bounds).oddities).toEqual(['non_integer_usage']);
    expect(boundedUsage(undefined, bounds)).toEqual({ inputTokens: 0, outputTokens: 0, oddities: ['missing_usage'] });
  });
});

describe('promptTokenBound', () => {
  it('counts UTF-8 bytes (a token covers at least one) plus framing per message', () => {
    expect(promptTokenBound(['abc', 'é'])).toBe(64 + 3 + 16 + 2 + 16);
    expect(promptTokenBound([])).toBe(64);
  });
});
