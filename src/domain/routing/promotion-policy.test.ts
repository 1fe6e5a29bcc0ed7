import { describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../evaluation/evaluate.js';
import { decidePromotion, type PromotionPolicy } from './promotion-policy.js';

const metrics = (macroF1: number, rows = 100, accuracy = macroF1): EvaluationMetrics =>
  ({
    rows,
    report: {
      labels: [],
      accuracy,
      macro_avg: { precision: 0, recall: 0, f1_score: macroF1, support: rows },
      weighted_avg: { precision: 0, recall: 0, f1_score: macroF1, support: rows },
      total: rows,
    },
    ordinal: null,
  }) as unknown as EvaluationMetrics;

const policy: PromotionPolicy = { metric: 'macro_f1', minImprovement: 0.02, minTestSize: 30, autoPromote: true };
const challenger = (m: EvaluationMetrics, extra: Partial<{ retired: boolean; isChampion: boolean }> = {}) => ({
  metrics: m,
  retired: false,
  isChampion: false,
  ...extra,
});

describe('decidePromotion', () => {
  it('promotes the first model with enough test rows', () => {
    const decision = decidePromotion({ policy, challenger: challenger(metrics(0.6)), champion: null });
    expect(decision.promote).toBe(true);
    expect(decision.numbers).toEqual({ metric: 'macro_f1', challenger: 0.6, champion: null, improvement: null, test_size: 100 });
  });

  it('promotes a challenger that beats the champion by the minimum improvement', () => {
    expect(decidePromotion({ policy, challenger: challenger(metrics(0.83)), champion: { metrics: metrics(0.8) } }).promote).toBe(true);
    const close = decidePromotion({ policy, challenger: challenger(metrics(0.81)), champion: { metrics: metrics(0.8) } });
    expect(close.promote).toBe(false);
    expect(close.numbers.improvement).toBeCloseTo(0.01, 10);
  });

  it('ranks by the policy’s metric', () => {
    const byAccuracy = { ...policy, metric: 'accuracy' as const };
    const decision = decidePromotion({ policy: byAccuracy, challenger: challenger(metrics(0.5, 100, 0.95)), champion: { metrics: metrics(0.9, 100, 0.9) } });
    expect(decision.promote).toBe(true);
    expect(decision.numbers).toMatchObject({ metric: 'accuracy', challenger: 0.95, champion: 0.9 });
  });

  it.each([
    ['auto-promote off', { ...policy, autoPromote: false }, challenger(metrics(0.9)), /auto-promote is off/],
    ['a small test set', policy, challenger(metrics(0.9, 20)), /20 rows; the policy needs at least 30/],
    ['a retired model', policy, challenger(metrics(0.9), { retired: true }), /retired/],
    ['the champion itself', policy, challenger(metrics(0.9), { isChampion: true }), /already champion/],
    ['an undefined metric', { ...policy, metric: 'one_off_accuracy' as const }, challenger(metrics(0.9)), /not defined/],
  ])('does not promote with %s', (_case, given, who, reason) => {
    const decision = decidePromotion({ policy: given, challenger: who, champion: { metrics: metrics(0.5) } });
    expect(decision.promote).toBe(false);
    expect(decision.reason).toMatch(reason);
  });
});
