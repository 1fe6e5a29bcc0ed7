import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModel } from './helpers/classify.js';
import { createTask } from './helpers/datasets.js';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

let h: Harness;
const auth = bearer(ADMIN_KEY);
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

// Few-shot on gpt-4o-mini prices: 150 × $0.15/M + 1 × $0.60/M = $0.0000231 per call.
// A fine-tune: 50 × $0.30/M + 1 × $1.20/M = $0.0000162 per call, plus $6 of training.
// It pays back after 6 / 0.0000069 = 869,565.2 calls: at 10,000 a day, during day index 86
// (cumulative through day d covers d + 1 days: 86.96 days of calls).
const FEW_SHOT = {
  name: 'few-shot',
  scenario: 'few_shot',
  model: 'gpt-4o-mini',
  price_per_million: { input: 0.15, output: 0.6 },
};
const FINE_TUNED = {
  name: 'fine-tuned',
  scenario: 'fine_tuned',
  model: 'ft:gpt-4o-mini:org::x',
  training_cost_usd: 6,
  price_per_million: { input: 0.3, output: 1.2 },
};
const project = (body: Record<string, unknown>, query = '') =>
  h.http().post(`/v1/cost-projections${query}`).set('authorization', auth).send(body);

describe('POST /v1/cost-projections', () => {
  it('projects cumulative costs with training and finds the break-even day', async () => {
    const response = await project(
      {
        daily_volume: 10_000,
        daily_growth: 0,
        horizon_days: 120,
        options: [FEW_SHOT, FINE_TUNED],
      },
      '?include=daily',
    );
    expect(response.status).toBe(200);
    const [fewShot, fineTuned] = response.body.options;
    expect(fewShot.per_call_usd).toBeCloseTo(0.0000231, 12);
    expect(fineTuned.per_call_usd).toBeCloseTo(0.0000162, 12);
    expect(fineTuned.cumulative_usd[0]).toBeCloseTo(6 + 0.162, 9);
    expect(fewShot.total_usd).toBeCloseTo(0.231 * 120, 9);
    expect(fineTuned.cumulative_usd).toHaveLength(120);
    const [pair] = response.body.break_even;
    expect(pair).toMatchObject({
      a: 'few-shot',
      b: 'fine-tuned',
      cheaper_at_start: 'few-shot',
      day: 86,
      cheaper_at_horizon: 'fine-tuned',
    });
    expect(pair.crossing_cumulative_usd).toBeGreaterThan(fewShot.cumulative_usd[85]);
    expect(response.body.cheapest_at_horizon).toBe('fine-tuned');
    expect(response.body.svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(response.body.svg).toContain('break-even day 86');
  });

  it('grows volume by the daily rate, which brings break-even forward', async () => {
    const response = await project(
      {
        daily_volume: 10_000,
        daily_growth: 0.01,
        horizon_days: 120,
        options: [FEW_SHOT, FINE_TUNED],
      },
      '?include=daily',
    );
    expect(response.body.volume[1]).toBeCloseTo(10_100, 9);
    expect(response.body.volume[100]).toBeCloseTo(10_000 * 1.01 ** 100, 6);
    // 10,000 × (1.01^n − 1) / 0.01 ≥ 869,565 when n ≥ ln(1.8696) / ln(1.01) = 62.9 days.
    expect(response.body.break_even[0].day).toBe(62);
  });

  it('answers a summary without the per-day arrays unless asked for them', async () => {
    const body = { daily_volume: 10_000, daily_growth: 0.01, horizon_days: 3650, options: [FEW_SHOT, FINE_TUNED] };
    const summary = await project(body);
    expect(summary.status).toBe(200);
    expect(summary.body).not.toHaveProperty('volume');
    for (const option of summary.body.options) {
      expect(option).not.toHaveProperty('daily_usd');
      expect(option).not.toHaveProperty('cumulative_usd');
    }
    // Everything else is there: totals, break-even, the cheapest, the chart.
    const daily = await project(body, '?include=daily');
    const { volume, options, ...rest } = daily.body;
    expect(volume).toHaveLength(3650);
    expect(summary.body).toEqual({
      ...rest,
      options: options.map(({ daily_usd, cumulative_usd, ...option }: Record<string, unknown>) => {
        expect(daily_usd).toHaveLength(3650);
        expect(cumulative_usd).toHaveLength(3650);
        return option;
      }),
    });
    expect(summary.body.break_even[0].day).toBe(62);
    expect(summary.text.length).toBeLessThan(daily.text.length / 4);
    const unknown = await project(body, '?include=everything');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('query.include');
  });

  it('takes a model version with its measured figures, and returns the chart alone on request', async () => {
    await createTask(h, 'titles', ['instructional', 'other']);
    const local = await registerModel(h, 'titles', { kind: 'prompt', provider: 'local', name: 'local few-shot' });
    const chart = await h
      .http()
      .post('/v1/cost-projections')
      .set('authorization', auth)
      .set('accept', 'image/svg+xml')
      .send({
        daily_volume: 1_000,
        horizon_days: 30,
        options: [{ model_version_id: local }, { scenario: 'just_ask', model: 'gpt-4o-mini' }],
      });
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toContain('image/svg+xml');
    expect(chart.text ?? chart.body.toString()).toContain('local few-shot');
  });

  it('names the offending field', async () => {
    const unpriced = await project({
      daily_volume: 1,
      horizon_days: 10,
      options: [{ scenario: 'few_shot', model: 'my-own-model' }],
    });
    expect(unpriced.status).toBe(400);
    expect(unpriced.body.errors).toEqual([
      { field: 'body.options[0].model', message: expect.stringContaining('price_per_million') },
    ]);
    const incomplete = await project({
      daily_volume: 1,
      horizon_days: 10,
      options: [{ model: 'gpt-4o-mini' }, { model_version_id: '01890a5d-ac96-774b-bcce-b302099a8057' }],
    });
    expect(incomplete.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.options[0].input_tokens_per_call',
      'body.options[0].output_tokens_per_call',
      'body.options[1].model_version_id',
    ]);
    const duplicate = await project({ daily_volume: 1, horizon_days: 10, options: [FEW_SHOT, FEW_SHOT] });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.errors[0].field).toBe('body.options[1].name');
    expect((await project({ daily_volume: 1, horizon_days: 0, options: [FEW_SHOT] })).body.errors[0].field).toBe(
      'body.horizon_days',
    );
  });
});
