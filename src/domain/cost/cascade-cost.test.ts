import { describe, expect, it } from 'vitest';
import { cascadeCost, reachRateProblems, reachRatesFromAnswers } from './cascade-cost.js';

// A free local stage before gpt-4o-mini at 0.15 / 0.60 per 1M: 100 in + 1 out = 0.0000156 per call.
const local = { model: 'local-linear', inputTokensPerCall: 0, outputTokensPerCall: 0 };
const llm = { model: 'gpt-4o-mini', inputTokensPerCall: 100, outputTokensPerCall: 1 };

describe('cascadeCost', () => {
  it('pays every stage on the share of calls that reach it', () => {
    const cost = cascadeCost([local, llm], [1, 0.15]);
    expect(cost.perCallUsd).toBeCloseTo(0.15 * 0.0000156, 15);
    expect(cost.stages.map((stage) => stage.per_call_usd)).toEqual([0, expect.closeTo(0.0000156, 15)]);
    expect(cost.stages[1]).toMatchObject({ reach_rate: 0.15, price_source: 'price_table' });
    expect(cost.unpricedStage).toBeNull();
  });

  it('adds the stages’ dedicated endpoints per day, their calls unbilled', () => {
    const cost = cascadeCost([{ ...local, endpointUsdPerDay: 14.4 }, llm], [1, 0.5]);
    expect(cost.endpointUsdPerDay).toBe(14.4);
    expect(cost.stages[0]).toMatchObject({ price_source: 'dedicated_endpoint', per_call_usd: 0 });
  });

  it('has no total when a reached stage is unpriced, and ignores one nobody reaches', () => {
    expect(cascadeCost([local, null], [1, 0.2])).toMatchObject({ perCallUsd: null, unpricedStage: 1 });
    const unknown = { model: 'my-own-model', inputTokensPerCall: 5, outputTokensPerCall: 1 };
    expect(cascadeCost([local, unknown], [1, 0.2]).unpricedStage).toBe(1);
    expect(cascadeCost([local, unknown], [1, 0]).perCallUsd).toBe(0);
    expect(() => cascadeCost([local, llm], [1])).toThrow(RangeError);
  });
});

describe('reach rates', () => {
  it('from answering stages: answered at k reached 0..k, abstained reached all', () => {
    // 10 rows: 6 answered by stage 0, 3 by stage 1, 1 abstained.
    expect(reachRatesFromAnswers([6, 3], 1)).toEqual([1, 0.4]);
    expect(reachRatesFromAnswers([0, 0], 0)).toEqual([0, 0]);
  });

  it('checks given rates with their field paths', () => {
    const field = 'body.options[0].reach_rates';
    expect(reachRateProblems([1, 0.2], 2, field)).toEqual([]);
    expect(reachRateProblems([1], 2, field)).toEqual([{ field, message: expect.stringContaining('2 stages') }]);
    expect(reachRateProblems([0.9, 0.95, 2], 3, field).map((problem) => problem.field)).toEqual([
      `${field}[0]`,
      `${field}[1]`,
      `${field}[2]`,
    ]);
  });
});
