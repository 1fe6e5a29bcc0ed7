import { describe, expect, it } from 'vitest';
import { inferenceCost, parsePriceOverrides, priceFor, PRICE_TABLE_DATE, trainingCost } from './pricing.js';

describe('priceFor', () => {
  it('is dated', () => {
    expect(PRICE_TABLE_DATE).toBe('2026-11-22');
  });

  it.each([
    ['gpt-4o-mini', { input: 0.15, output: 0.6, training: 3 }],
    ['gpt-4o-mini-2024-07-18', { input: 0.15, output: 0.6, training: 3 }],
    ['gpt-4o-2024-08-06', { input: 2.5, output: 10, training: 25 }],
    ['gpt-3.5-turbo-0125', { input: 0.5, output: 1.5, training: 8 }],
    ['babbage-002', { input: 0.4, output: 0.4, training: 0.4 }],
    ['davinci-002', { input: 2, output: 2, training: 6 }],
    ['gpt-4.1-mini-2025-04-14', { input: 0.4, output: 1.6, training: 5 }],
    ['gpt-4.1-nano', { input: 0.1, output: 0.4, training: 1.5 }],
  ])('%s', (model, price) => {
    expect(priceFor(model)).toEqual(price);
  });

  it.each([
    ['ft:gpt-4o-mini-2024-07-18:acme:support:9xYz', { input: 0.3, output: 1.2, training: 3 }],
    ['ft:gpt-3.5-turbo-0125:acme::abc', { input: 3, output: 6, training: 8 }],
    ['ft:babbage-002:acme::1', { input: 1.6, output: 1.6, training: 0.4 }],
    ['ft:davinci-002:acme::1', { input: 12, output: 12, training: 6 }],
    ['ft:gpt-4.1-mini-2025-04-14:acme::1', { input: 0.8, output: 3.2, training: 5 }],
    ['ft:gpt-4.1-nano-2025-04-14:acme::1', { input: 0.2, output: 0.8, training: 1.5 }],
    ['ft:gpt-4o-2024-08-06:acme::1', { input: 3.75, output: 15, training: 25 }],
  ])('fine-tune %s costs its base’s fine-tuned rates', (model, price) => {
    expect(priceFor(model)).toEqual(price);
  });

  it('charges nothing for local models', () => {
    expect(priceFor('few-shot-tfidf')).toEqual({ input: 0, output: 0, training: 0 });
    expect(priceFor('local:anything')).toEqual({ input: 0, output: 0, training: 0 });
  });

  it('does not know other models', () => {
    expect(priceFor('gpt-6-luna')).toBeUndefined();
    expect(priceFor('ft:unknown-base:acme::1')).toBeUndefined();
    expect(priceFor('constructor')).toBeUndefined();
  });

  it('lets overrides win: exact name, then the fine-tunes of a base, then the family', () => {
    const overrides = parsePriceOverrides(
      JSON.stringify({
        'my-model': { input: 1, output: 2 },
        'gpt-4o-mini': { input: 0.2, output: 0.8, training: 3.5 },
        'ft:gpt-4o-mini': { input: 0.5, output: 1.5 },
        'ft:gpt-4o-mini-2024-07-18:acme::special': { input: 9, output: 9 },
      }),
    );
    expect(priceFor('my-model', overrides)).toEqual({ input: 1, output: 2 });
    expect(priceFor('gpt-4o-mini-2024-07-18', overrides)).toEqual({ input: 0.2, output: 0.8, training: 3.5 });
    expect(priceFor('ft:gpt-4o-mini-2024-07-18:acme::other', overrides)).toEqual({ input: 0.5, output: 1.5 });
    expect(priceFor('ft:gpt-4o-mini-2024-07-18:acme::special', overrides)).toEqual({ input: 9, output: 9 });
    expect(priceFor('davinci-002', overrides)).toEqual({ input: 2, output: 2, training: 6 });
  });
});

describe('inferenceCost and trainingCost', () => {
  it('multiplies tokens by the per-million rates', () => {
    expect(inferenceCost('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 500_000 })).toBeCloseTo(0.45, 12);
    expect(inferenceCost('ft:gpt-4o-mini-2024-07-18:a::b', { inputTokens: 2000, outputTokens: 10 })).toBeCloseTo(
      0.000612,
      12,
    );
    expect(inferenceCost('few-shot-tfidf', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it('matches the guide’s example: 100k tokens × 3 epochs at $8/1M ≈ $2.40', () => {
    expect(trainingCost('gpt-3.5-turbo', 300_000)).toBeCloseTo(2.4, 12);
  });

  it('is null when unknown', () => {
    expect(inferenceCost('mystery', { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(trainingCost('mystery', 1000)).toBeNull();
    expect(trainingCost('my-model', 1000, { 'my-model': { input: 1, output: 1 } })).toBeNull();
  });

  it('uses overrides', () => {
    expect(
      inferenceCost(
        'my-model',
        { inputTokens: 1_000_000, outputTokens: 1_000_000 },
        { 'my-model': { input: 1, output: 2 } },
      ),
    ).toBe(3);
  });
});

describe('parsePriceOverrides', () => {
  it('accepts an empty value and a well-formed object', () => {
    expect(parsePriceOverrides('')).toEqual({});
    expect(parsePriceOverrides('{"my-model": {"input": 1, "output": 2, "training": 0}}')).toEqual({
      'my-model': { input: 1, output: 2, training: 0 },
    });
  });

  it('keeps "__proto__" as a plain model name', () => {
    const overrides = parsePriceOverrides('{"__proto__": {"input": 1, "output": 1}}');
    expect(Object.getPrototypeOf(overrides)).toBe(Object.prototype);
    expect(priceFor('__proto__', overrides)).toEqual({ input: 1, output: 1 });
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[1]', /must be a JSON object/],
    ['"x"', /must be a JSON object/],
    ['{"m": 3}', /PRICE_OVERRIDES\["m"\]: must be an object/],
    ['{"m": {"input": 1}}', /PRICE_OVERRIDES\["m"\]\.output: .*\(missing\)/],
    ['{"m": {"input": -1, "output": 1}}', /\.input: must be a non-negative number/],
    ['{"m": {"input": "1", "output": 1}}', /\.input: must be a non-negative number/],
    ['{"m": {"input": 1, "ouput": 1}}', /unknown field "ouput"/],
    ['{"": {"input": 1, "output": 1}}', /model name is empty/],
  ])('rejects %s', (json, message) => {
    expect(() => parsePriceOverrides(json)).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => parsePriceOverrides('{"a": {"input": 1}, "b": {"output": 1}}')).toThrow(
      /"a"\]\.output[\s\S]*"b"\]\.input/,
    );
  });
});
