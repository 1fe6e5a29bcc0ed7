import { describe, expect, it } from 'vitest';
import { costPerThousand, summariseUsage } from './cost.js';

describe('costPerThousand', () => {
  it('scales the average cost per classification to 1,000', () => {
    expect(costPerThousand(0.5, 200)).toBeCloseTo(2.5, 12);
    expect(costPerThousand(0, 10)).toBe(0);
  });

  it('is null when nothing was classified and rejects bad input', () => {
    expect(costPerThousand(1, 0)).toBeNull();
    expect(() => costPerThousand(Number.NaN, 1)).toThrow(RangeError);
    expect(() => costPerThousand(1, 1.5)).toThrow(RangeError);
  });
});

describe('summariseUsage', () => {
  it('totals tokens and cost and averages tokens per call', () => {
    const summary = summariseUsage([
      { inputTokens: 100, outputTokens: 2, costUsd: 0.001 },
      { inputTokens: 120, outputTokens: 3, costUsd: 0.002 },
      { inputTokens: 80, outputTokens: 1, costUsd: 0.0005 },
    ]);
    expect(summary).toMatchObject({
      calls: 3,
      inputTokens: 300,
      outputTokens: 6,
      meanInputTokens: 100,
      meanOutputTokens: 2,
      unpricedCalls: 0,
    });
    expect(summary.costUsd).toBeCloseTo(0.0035, 15);
  });

  it('sums the known costs and counts the unpriced calls', () => {
    const summary = summariseUsage([
      { inputTokens: 10, outputTokens: 1, costUsd: null },
      { inputTokens: 10, outputTokens: 1, costUsd: 0.25 },
    ]);
    expect(summary.costUsd).toBe(0.25);
    expect(summary.unpricedCalls).toBe(1);
    expect(summariseUsage([{ inputTokens: 1, outputTokens: 1, costUsd: null }]).costUsd).toBeNull();
  });

  it('has null means for no calls', () => {
    expect(summariseUsage([])).toEqual({
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      meanInputTokens: null,
      meanOutputTokens: null,
      costUsd: null,
      unpricedCalls: 0,
    });
  });
});
