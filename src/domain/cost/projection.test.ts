import { describe, expect, it } from 'vitest';
import { PRICE_TABLE_DATE } from '../pricing.js';
import {
  MAX_HORIZON_DAYS,
  PROJECTION_PRESETS,
  ProjectionInputError,
  projectCosts,
  UnknownPriceError,
} from './projection.js';
import { fewShot, fineTuned } from './projection.fixtures.js';

// Where the fine-tune's cumulative cost meets few-shot's (the arithmetic is in projection.fixtures.ts).
const CROSSING_USD = (6 / 0.0000069) * 0.0000231;

describe('projectCosts', () => {
  it('prices each call and counts the training cost on day 0', () => {
    const projection = projectCosts({
      dailyVolume: 10_000,
      dailyGrowth: 0,
      horizonDays: 3,
      options: [fewShot, fineTuned],
    });
    const [few, ft] = projection.options;
    expect(few!.per_call_usd).toBeCloseTo(0.0000231, 15);
    expect(few!.per_1000_usd).toBeCloseTo(0.0231, 12);
    expect(ft!.per_call_usd).toBeCloseTo(0.0000162, 15);
    expect(ft!.price_source).toBe('request');
    // Day 0: 10,000 calls × 0.0000162 = 0.162, plus the 6 USD training.
    expect(ft!.daily_usd[0]).toBeCloseTo(0.162, 12);
    expect(ft!.cumulative_usd[0]).toBeCloseTo(6.162, 12);
    expect(ft!.cumulative_usd).toHaveLength(3);
    expect(ft!.total_usd).toBeCloseTo(6 + 3 * 0.162, 12);
    expect(few!.cumulative_usd[0]).toBeCloseTo(0.231, 12);
    expect(projection.price_table_date).toBe(PRICE_TABLE_DATE);
  });

  it('keeps volume flat without growth and finds the break-even day', () => {
    // Through day d, 10,000 × (d + 1) calls. 869,565.2 calls fall in day 86 (860,000 after day 85,
    // 870,000 after day 86): day 85 + 9,565.2 / 10,000 = 85.9565.
    const projection = projectCosts({
      dailyVolume: 10_000,
      dailyGrowth: 0,
      horizonDays: 120,
      options: [fewShot, fineTuned],
    });
    expect(new Set(projection.volume)).toEqual(new Set([10_000]));
    expect(projection.total_volume).toBe(1_200_000);
    const [pair] = projection.break_even;
    expect(pair).toMatchObject({
      a: 'few_shot',
      b: 'fine_tuned',
      day: 86,
      cheaper_at_start: 'few_shot',
      cheaper_at_horizon: 'fine_tuned',
      stays_cheaper: null,
    });
    expect(pair!.crossing_day).toBeCloseTo(85.95652, 4);
    expect(pair!.crossing_cumulative_usd).toBeCloseTo(CROSSING_USD, 9);
    const [few, ft] = projection.options;
    expect(ft!.cumulative_usd[85]).toBeGreaterThan(few!.cumulative_usd[85]!);
    expect(ft!.cumulative_usd[86]).toBeLessThanOrEqual(few!.cumulative_usd[86]!);
    expect(projection.cheapest_at_horizon).toBe('fine_tuned');
  });

  it('compounds growth of 1 % a day, which brings break-even forward', () => {
    // Calls through day d: 10,000 × (1.01^(d+1) − 1) / 0.01 = 1,000,000 × (1.01^(d+1) − 1).
    // Reaching 869,565.2 needs 1.01^(d+1) ≥ 1.869565, i.e. d + 1 ≥ ln 1.869565 / ln 1.01 = 62.88,
    // so day 62 instead of 86.
    const projection = projectCosts({
      dailyVolume: 10_000,
      dailyGrowth: 0.01,
      horizonDays: 120,
      options: [fewShot, fineTuned],
    });
    expect(projection.volume[0]).toBe(10_000);
    expect(projection.volume[2]).toBeCloseTo(10_201, 9);
    expect(projection.volume[119]).toBeCloseTo(10_000 * 1.01 ** 119, 6);
    const [pair] = projection.break_even;
    expect(pair!.day).toBe(62);
    // Linear between days 61 and 62: calls after day 61 are 1e6 × (1.01^62 − 1).
    const callsBefore = 1e6 * (1.01 ** 62 - 1);
    expect(pair!.crossing_day).toBeCloseTo(61 + (6 / 0.0000069 - callsBefore) / (10_000 * 1.01 ** 62), 9);
    expect(pair!.crossing_cumulative_usd).toBeCloseTo(CROSSING_USD, 9);
  });

  it('says which option stays cheaper when the curves never cross', () => {
    const expensiveTraining = { ...fineTuned, trainingCostUsd: 100 };
    const projection = projectCosts({
      dailyVolume: 10_000,
      dailyGrowth: 0,
      horizonDays: 30,
      options: [expensiveTraining, fewShot],
    });
    expect(projection.break_even).toEqual([
      {
        a: 'fine_tuned',
        b: 'few_shot',
        cheaper_at_start: 'few_shot',
        cheaper_at_horizon: 'few_shot',
        day: null,
        crossing_day: null,
        crossing_cumulative_usd: null,
        stays_cheaper: 'few_shot',
      },
    ]);
    expect(projection.cheapest_at_horizon).toBe('few_shot');
  });

  it('handles shrinking volume and identical options', () => {
    const projection = projectCosts({
      dailyVolume: 1000,
      dailyGrowth: -0.5,
      horizonDays: 4,
      options: [fewShot, { ...fewShot, name: 'copy' }],
    });
    expect(projection.volume).toEqual([1000, 500, 250, 125]);
    expect(projection.break_even[0]).toMatchObject({
      day: null,
      stays_cheaper: null,
      cheaper_at_start: null,
      cheaper_at_horizon: null,
    });
    expect(projection.cheapest_at_horizon).toBe('few_shot');
  });

  it('gives every unordered pair once, in input order', () => {
    const local = {
      name: 'local',
      model: 'local-linear',
      inputTokensPerCall: 50,
      outputTokensPerCall: 1,
      trainingCostUsd: 0,
    };
    const projection = projectCosts({
      dailyVolume: 10,
      dailyGrowth: 0,
      horizonDays: 5,
      options: [fewShot, fineTuned, local],
    });
    expect(projection.break_even.map((pair) => [pair.a, pair.b])).toEqual([
      ['few_shot', 'fine_tuned'],
      ['few_shot', 'local'],
      ['fine_tuned', 'local'],
    ]);
    expect(projection.options[2]!.total_usd).toBe(0);
    expect(projection.cheapest_at_horizon).toBe('local');
  });

  it('uses the price table, fine-tune rates and overrides when no price is given', () => {
    const { pricePerMillion: _few, ...tableFewShot } = fewShot;
    const { pricePerMillion: _ft, ...tableFineTuned } = fineTuned;
    const projection = projectCosts({
      dailyVolume: 1,
      dailyGrowth: 0,
      horizonDays: 1,
      options: [tableFewShot, tableFineTuned],
    });
    expect(projection.options.map((option) => option.price_per_million)).toEqual([
      { input: 0.15, output: 0.6 },
      { input: 0.3, output: 1.2 },
    ]);
    expect(projection.options[1]!.price_source).toBe('price_table');
    expect(projection.options[1]!.per_call_usd).toBeCloseTo(0.0000162, 15);
    const overridden = projectCosts(
      { dailyVolume: 1, dailyGrowth: 0, horizonDays: 1, options: [{ ...tableFewShot, model: 'my-model' }] },
      { 'my-model': { input: 1, output: 2 } },
    );
    expect(overridden.options[0]!.per_call_usd).toBeCloseTo(152 / 1e6, 15);
  });

  it('names the option whose model has no price', () => {
    const unknown = { ...fewShot, name: 'mystery', model: 'gpt-6-luna', pricePerMillion: undefined };
    const run = () => projectCosts({ dailyVolume: 1, dailyGrowth: 0, horizonDays: 1, options: [fewShot, unknown] });
    expect(run).toThrow(UnknownPriceError);
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ProjectionInputError);
      expect(error).toMatchObject({ index: 1, model: 'gpt-6-luna', field: 'options[1].model' });
    }
    // An explicit price makes any model usable.
    expect(() =>
      projectCosts({
        dailyVolume: 1,
        dailyGrowth: 0,
        horizonDays: 1,
        options: [{ ...unknown, pricePerMillion: { input: 1, output: 1 } }],
      }),
    ).not.toThrow();
  });

  it.each([
    [{ dailyVolume: -1 }, 'dailyVolume'],
    [{ dailyGrowth: -1 }, 'dailyGrowth'],
    [{ horizonDays: 0 }, 'horizonDays'],
    [{ horizonDays: 1.5 }, 'horizonDays'],
    [{ horizonDays: MAX_HORIZON_DAYS + 1 }, 'horizonDays'],
    [{ dailyGrowth: 10, horizonDays: 3650 }, 'dailyGrowth'],
    [{ options: [] }, 'options'],
    [{ options: [fewShot, fewShot] }, 'options[1].name'],
    [{ options: [{ ...fewShot, inputTokensPerCall: Number.NaN }] }, 'options[0].inputTokensPerCall'],
    [{ options: [{ ...fineTuned, trainingCostUsd: -6 }] }, 'options[0].trainingCostUsd'],
    [{ options: [{ ...fewShot, pricePerMillion: { input: -1, output: 0 } }] }, 'options[0].pricePerMillion.input'],
  ])('rejects %o at %s', (change, field) => {
    const input = { dailyVolume: 100, dailyGrowth: 0, horizonDays: 10, options: [fewShot], ...change };
    expect(() => projectCosts(input)).toThrow(expect.objectContaining({ name: 'ProjectionInputError', field }));
  });
});

describe('PROJECTION_PRESETS', () => {
  it('holds the token counts of the usual scenarios', () => {
    const tokens = Object.fromEntries(
      Object.entries(PROJECTION_PRESETS).map(([name, preset]) => [
        name,
        [preset.inputTokensPerCall, preset.outputTokensPerCall],
      ]),
    );
    expect(tokens).toEqual({
      just_ask: [50, 1],
      few_shot: [150, 1],
      chain_of_thought: [150, 100],
      fine_tuned: [50, 1],
    });
    for (const preset of Object.values(PROJECTION_PRESETS)) expect(preset.description.length).toBeGreaterThan(0);
  });
});
