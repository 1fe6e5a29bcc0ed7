import { describe, expect, it } from 'vitest';
import { countTokens, encodingForModel, tokenStats } from './tokens.js';

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5-mini', 'o200k_base'],
    ['o1-mini', 'o200k_base'],
    ['o3', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo-2024-04-09', 'cl100k_base'],
    ['gpt-3.5-turbo-0125', 'cl100k_base'],
    ['babbage-002', 'cl100k_base'],
    ['davinci-002', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['some-future-model', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:org::abc', 'o200k_base'],
    ['ft:gpt-3.5-turbo-0125:acme:classifier:9xyz', 'cl100k_base'],
    ['ft:davinci-002:acme::1', 'cl100k_base'],
  ] as const)('%s uses %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('countTokens', () => {
  it('counts plain English the same way in both encodings', () => {
    expect(countTokens('hello world', 'gpt-4o')).toBe(2);
    expect(countTokens('hello world', 'gpt-4')).toBe(2);
  });

  it('uses the model’s encoding: o200k is cheaper than cl100k on Hindi', () => {
    const hindi = 'यह एक परीक्षण वाक्य है जिसका उपयोग टोकन गिनने के लिए किया जाता है';
    expect(countTokens(hindi, 'gpt-4o-mini')).toBeLessThan(countTokens(hindi, 'gpt-3.5-turbo'));
  });

  it('treats special-token lookalikes in user text as plain text instead of throwing', () => {
    expect(countTokens('a <|endoftext|> b', 'gpt-4o')).toBeGreaterThan(3);
  });
});

describe('tokenStats', () => {
  it('is null for no rows', () => {
    expect(tokenStats([])).toBeNull();
  });

  it('uses nearest-rank percentiles', () => {
    const counts = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(tokenStats(counts)).toEqual({ min: 1, p50: 10, p95: 19, max: 20, mean: 10.5 });
  });

  it('picks observed values and rounds the mean to 2 decimals', () => {
    expect(tokenStats([3, 1, 2])).toEqual({ min: 1, p50: 2, p95: 3, max: 3, mean: 2 });
    expect(tokenStats([1, 1, 2])).toEqual({ min: 1, p50: 1, p95: 2, max: 2, mean: 1.33 });
    expect(tokenStats([7])).toEqual({ min: 7, p50: 7, p95: 7, max: 7, mean: 7 });
  });

  it('does not reorder the caller’s array', () => {
    const counts = [3, 1, 2];
    tokenStats(counts);
    expect(counts).toEqual([3, 1, 2]);
  });
});
