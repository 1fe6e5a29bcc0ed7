import { describe, expect, it } from 'vitest';
import { DEFAULT_FINE_TUNING_TOKEN_LIMIT, fineTuningTokenLimit } from './token-limits.js';

describe('fineTuningTokenLimit', () => {
  it.each([
    ['gpt-4o-mini-2024-07-18', 65_536],
    ['gpt-3.5-turbo-0125', 16_385],
    ['gpt-3.5-turbo-0613', 4_096],
    ['babbage-002', 2_048],
    ['ft:gpt-3.5-turbo-0125:acme::abc123', 16_385],
    ['some-local-model', DEFAULT_FINE_TUNING_TOKEN_LIMIT],
  ])('%s → %i', (model, limit) => {
    expect(fineTuningTokenLimit(model)).toBe(limit);
  });
});
