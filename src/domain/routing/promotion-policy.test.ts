import { describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../evaluation/evaluate.js';
import { decidePromotion, failureRate, type Incumbent, type PromotionPolicy } from './promotion-policy.js';

const metrics = (macroF1: number, rows = 100, accuracy = macroF1, failed = 0, unknown = 0): EvaluationMetrics =>
  ({
    rows,
    failed_predictions: failed,
    unknown_predictions: unknown,
    report: {
      labels: [],
      accuracy,
      macro_avg: { precision: 0, recall: 0, f1_score: macroF1, support: rows },
      weighted_avg: { precision: 0, recall: 0, f1_score: macroF1, support: rows },
      total: rows,
    },
    ordinal: null,
  }) as unknown as EvaluationMetrics;

const policy: PromotionPolicy = {
  metric: 'macro_f1',
  minImprovement: 0.02,
  minTestSize: 30,
  autoPromote: true,
  maxFailureRate: 0.05,
  maxPValue: null,
};
const challenger = (
  m: EvaluationMetrics,
  extra: Partial<{ retired: boolean; modelId: string; correct: boolean[] }> = {},
) => ({
  modelId: 'new',
  metrics: m,
  correct: null,
  retired: false,
  ...extra,
});
const measured = (modelId: string, m: EvaluationMetrics, correct: boolean[] | null = null): Incumbent => ({
  modelId,
  evaluation: { metrics: m, correct },
});
const unmeasured = (modelId: string): Incumbent => ({ modelId, evaluation: null });
/** `right` rows right, then the rest wrong. */
const rightFirst = (right: number, rows = 100) => Array.from({ length: rows }, (_, i) => i < right);

describe('failureRate', () => {
  it('counts failed, unparseable and unknown-label predictions over the rows', () => {
    expect(failureRate(metrics(0.5, 40, 0.5, 3, 1))).toEqual({ failures: 4, rate: 0.1 });
    expect(failureRate(metrics(0, 0))).toEqual({ failures: 0, rate: null });
  });

  it('leaves out the rows a cascade abstained on: they are withheld, not failed', () => {
    // 3 failed rows, 2 of them abstentions, 1 unknown label: 2 failures in 40 rows.
    expect(failureRate({ ...metrics(0.5, 40, 0.5, 3, 1), abstained_predictions: 2 })).toEqual({
      failures: 2,
      rate: 0.05,
    });
  });
});

describe('decidePromotion against the champion', () => {
  it('promotes a challenger that beats the champion by the minimum improvement', () => {
    const decision = decidePromotion({
      policy,
      challenger: challenger(metrics(0.83)),
      champion: measured('old', metrics(0.8)),
      fallback: null,
    });
    expect(decision.promote).toBe(true);
    expect(decision.reason).toBe('macro_f1 0.8300 beats champion 0.8000 by 0.0300 (≥ 0.02)');
    expect(decision.numbers).toMatchObject({
      compared_with: 'champion',
      compared_model_id: 'old',
      compared_score: 0.8,
      failure_rate: 0,
      p_value: null,
    });
    const close = decidePromotion({
      policy,
      challenger: challenger(metrics(0.81)),
      champion: measured('old', metrics(0.8)),
      fallback: null,
    });
    expect(close.promote).toBe(false);
    expect(close.numbers.improvement).toBeCloseTo(0.01, 10);
  });

  it('ranks by the policy’s metric', () => {
    const byAccuracy = { ...policy, metric: 'accuracy' as const };
    const decision = decidePromotion({
      policy: byAccuracy,
      challenger: challenger(metrics(0.5, 100, 0.95)),
      champion: measured('old', metrics(0.9, 100, 0.9)),
      fallback: null,
    });
    expect(decision.promote).toBe(true);
    expect(decision.numbers).toMatchObject({ metric: 'accuracy', challenger: 0.95, compared_score: 0.9 });
  });

  it('does not promote over a champion never measured on these rows', () => {
    const decision = decidePromotion({
      policy,
      challenger: challenger(metrics(0.9)),
      champion: unmeasured('old'),
      fallback: measured('prompt', metrics(0.1)),
    });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/champion has no evaluation on these rows/);
    expect(decision.numbers).toMatchObject({ compared_with: 'champion', compared_model_id: 'old' });
  });

  it.each([
    ['auto-promote off', { ...policy, autoPromote: false }, challenger(metrics(0.9)), /auto-promote is off/],
    ['a small test set', policy, challenger(metrics(0.9, 20)), /20 rows; the policy needs at least 30/],
    ['a retired model', policy, challenger(metrics(0.9), { retired: true }), /retired/],
    ['the champion itself', policy, challenger(metrics(0.9), { modelId: 'old' }), /already champion/],
    [
      'an undefined metric',
      { ...policy, metric: 'one_off_accuracy' as const },
      challenger(metrics(0.9)),
      /not defined/,
    ],
  ])('does not promote with %s', (_case, given, who, reason) => {
    const decision = decidePromotion({
      policy: given,
      challenger: who,
      champion: measured('old', metrics(0.5)),
      fallback: null,
    });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(reason);
  });
});

describe('decidePromotion: failures', () => {
  it('refuses a model whose every answer failed, whatever it is compared with', () => {
    for (const against of [
      { champion: null, fallback: null },
      { champion: null, fallback: measured('prompt', metrics(0)) },
    ]) {
      const decision = decidePromotion({ policy, challenger: challenger(metrics(0, 36, 0, 36)), ...against });
      expect(decision.promote).toBe(false);
      expect(decision.reason).toBe(
        '36 of 36 predictions failed or named no label (100.0 %); the policy allows at most 5.0 %',
      );
      expect(decision.numbers).toMatchObject({ failure_rate: 1, failed_predictions: 36, max_failure_rate: 0.05 });
    }
  });

  it('allows failures up to max_failure_rate, counting unknown labels as failures', () => {
    const atLimit = decidePromotion({
      policy,
      challenger: challenger(metrics(0.9, 100, 0.9, 3, 2)),
      champion: measured('old', metrics(0.5)),
      fallback: null,
    });
    expect(atLimit.promote).toBe(true);
    const over = decidePromotion({
      policy,
      challenger: challenger(metrics(0.9, 100, 0.9, 3, 3)),
      champion: measured('old', metrics(0.5)),
      fallback: null,
    });
    expect(over.promote).toBe(false);
    expect(over.reason).toMatch(/^6 of 100 predictions/);
    const lenient = decidePromotion({
      policy: { ...policy, maxFailureRate: 0.1 },
      challenger: challenger(metrics(0.9, 100, 0.9, 3, 3)),
      champion: measured('old', metrics(0.5)),
      fallback: null,
    });
    expect(lenient.promote).toBe(true);
  });
});

describe('decidePromotion without a champion', () => {
  it('promotes a model that beats the fallback on the same rows', () => {
    const decision = decidePromotion({
      policy,
      challenger: challenger(metrics(0.8)),
      champion: null,
      fallback: measured('prompt', metrics(0.7)),
    });
    expect(decision.promote).toBe(true);
    expect(decision.reason).toBe('macro_f1 0.8000 beats fallback 0.7000 by 0.1000 (≥ 0.02)');
    expect(decision.numbers).toMatchObject({
      compared_with: 'fallback',
      compared_model_id: 'prompt',
      compared_score: 0.7,
    });
  });

  it('does not promote a model that does not beat the fallback by the minimum improvement', () => {
    const decision = decidePromotion({
      policy,
      challenger: challenger(metrics(0.71)),
      champion: null,
      fallback: measured('prompt', metrics(0.7)),
    });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/vs fallback 0\.7000: improvement 0\.0100 < 0\.02/);
  });

  it('leaves the promotion to a person when there is nothing to compare with', () => {
    const alone = decidePromotion({ policy, challenger: challenger(metrics(0.99)), champion: null, fallback: null });
    expect(alone).toMatchObject({
      promote: false,
      reason: 'there is no champion and no fallback to compare with; promote by hand',
    });
    expect(alone.numbers).toMatchObject({ compared_with: null, compared_model_id: null });
    const unmeasuredFallback = decidePromotion({
      policy,
      challenger: challenger(metrics(0.99)),
      champion: null,
      fallback: unmeasured('prompt'),
    });
    expect(unmeasuredFallback.promote).toBe(false);
    expect(unmeasuredFallback.reason).toMatch(
      /fallback has no evaluation on these rows; evaluate the fallback on the same split, or promote by hand/,
    );
  });

  it('does not make the fallback champion of itself', () => {
    const decision = decidePromotion({
      policy,
      challenger: challenger(metrics(0.9), { modelId: 'prompt' }),
      champion: null,
      fallback: measured('prompt', metrics(0.9)),
    });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(/the model is the fallback/);
  });
});

describe('decidePromotion with max_p_value', () => {
  const strict = { ...policy, maxPValue: 0.05 };

  it('promotes when the McNemar test is significant and records the test', () => {
    // 80 vs 60 right: the first 60 both, 20 only the challenger.
    const decision = decidePromotion({
      policy: strict,
      challenger: challenger(metrics(0.8), { correct: rightFirst(80) }),
      champion: null,
      fallback: measured('prompt', metrics(0.6), rightFirst(60)),
    });
    expect(decision.promote).toBe(true);
    expect(decision.numbers).toMatchObject({ only_challenger_right: 20, only_compared_right: 0 });
    // Exact: 2 · ½^20.
    expect(decision.numbers.p_value).toBeCloseTo(2 * 0.5 ** 20, 15);
    expect(decision.reason).toMatch(/McNemar p = 1\.91e-6 ≤ 0\.05$/);
  });

  it('does not promote when the difference could be chance', () => {
    // 3 rows only the challenger got right: p = 2 · ⅛ = 0.25.
    const decision = decidePromotion({
      policy: strict,
      challenger: challenger(metrics(0.83), { correct: rightFirst(83) }),
      champion: measured('old', metrics(0.8), rightFirst(80)),
      fallback: null,
    });
    expect(decision.promote).toBe(false);
    expect(decision.numbers.p_value).toBeCloseTo(0.25, 12);
    expect(decision.reason).toBe(
      'McNemar against the champion: p = 0.250 > 0.05 (3 rows only this model got right, 0 only the champion)',
    );
  });

  it('does not compute the test when it is off', () => {
    const decision = decidePromotion({
      policy,
      challenger: challenger(metrics(0.83), { correct: rightFirst(83) }),
      champion: measured('old', metrics(0.8), rightFirst(80)),
      fallback: null,
    });
    expect(decision.promote).toBe(true);
    expect(decision.numbers.p_value).toBeNull();
  });
});
