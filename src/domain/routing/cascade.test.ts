import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors.js';
import {
  type CascadeData,
  type CascadeRow,
  capByQuantiles,
  evaluateCascade,
  planCascade,
  type StagePrediction,
} from './cascade-plan.js';
import { chooseStage } from './cascade-stage.js';

describe('chooseStage', () => {
  const stages = [{ minConfidence: 0.8 }, { minConfidence: 0.6 }, { minConfidence: null }];
  const llm = { label: 'b', confidence: 0.3 };

  it('answers at exactly the threshold', () => {
    expect(chooseStage(stages, [{ label: 'a', confidence: 0.8 }])).toEqual({
      stage: 0,
      label: 'a',
      confidence: 0.8,
      abstained: false,
      escalated: [],
    });
  });

  it('escalates just under the threshold and records why', () => {
    const choice = chooseStage(stages, [
      { label: 'a', confidence: 0.7999 },
      { label: 'b', confidence: 0.6 },
    ]);
    expect(choice).toMatchObject({ stage: 1, label: 'b', escalated: [{ stage: 0, confidence: 0.7999 }] });
  });

  it('answers above the threshold without reading later stages', () => {
    expect(chooseStage(stages, [{ label: 'a', confidence: 0.95 }]).stage).toBe(0);
  });

  it('treats a null confidence and a failed answer as below any threshold; the last stage always answers', () => {
    const choice = chooseStage(stages, [{ label: 'a', confidence: null }, { label: null, confidence: 0.99 }, llm]);
    expect(choice).toEqual({
      stage: 2,
      label: 'b',
      confidence: 0.3,
      abstained: false,
      escalated: [
        { stage: 0, confidence: null },
        { stage: 1, confidence: 0.99 },
      ],
    });
  });

  it('abstains below abstainBelow on the last stage, answers at it, and never abstains on a failure', () => {
    const two = [{ minConfidence: 0.9 }, { minConfidence: null }];
    const low = { label: 'a', confidence: 0.1 };
    expect(chooseStage(two, [low, { label: 'b', confidence: 0.49 }], 0.5)).toEqual({
      stage: null,
      label: null,
      confidence: null,
      abstained: true,
      escalated: [
        { stage: 0, confidence: 0.1 },
        { stage: 1, confidence: 0.49 },
      ],
    });
    expect(chooseStage(two, [low, { label: 'b', confidence: 0.5 }], 0.5)).toMatchObject({ stage: 1, label: 'b' });
    expect(chooseStage(two, [low, { label: null, confidence: null }], 0.5)).toMatchObject({
      stage: 1,
      label: null,
      abstained: false,
    });
  });

  it('rejects unservable rules and a reached stage with no answer', () => {
    expect(() => chooseStage([{ minConfidence: null }], [llm])).toThrow(/at least two stages/);
    expect(() => chooseStage([{ minConfidence: 0.5 }, { minConfidence: 0.5 }], [llm])).toThrow(/last stage/);
    expect(() => chooseStage([{ minConfidence: 1.5 }, { minConfidence: null }], [llm])).toThrow(/between 0 and 1/);
    expect(() => chooseStage(stages, [{ label: 'a', confidence: 0.1 }])).toThrow(/stage 1 was reached/);
  });
});

// Stage 0: a free local model (1 ms); stage 1: an LLM at 0.002 USD and 100 ms a call.
const local = (label: string | null, confidence: number | null): StagePrediction => ({
  label,
  confidence,
  costUsd: 0,
  latencyMs: 1,
  failed: label === null,
});
const llm = (label: string): StagePrediction => ({
  label,
  confidence: 0.99,
  costUsd: 0.002,
  latencyMs: 100,
  failed: false,
});
const row = (trueLabel: string, ...stages: StagePrediction[]): CascadeRow => ({ trueLabel, stages });

// Local is right on r1–r3, wrong on r4–r5, fails on r6; the LLM is wrong only on r1.
const validation: CascadeData = {
  labels: ['a', 'b'],
  rows: [
    row('a', local('a', 0.95), llm('b')),
    row('a', local('a', 0.9), llm('a')),
    row('b', local('b', 0.8), llm('b')),
    row('b', local('a', 0.7), llm('b')),
    row('a', local('b', 0.6), llm('a')),
    row('b', local(null, null), llm('b')),
  ],
};
// LLM alone (threshold 1): a: TP 2, predicted 2, support 3 → F1 4/5; b: TP 3, predicted 4, support 3 → 6/7.
const llmAloneMacroF1 = (4 / 5 + 6 / 7) / 2;

describe('planCascade', () => {
  const plan = planCascade({
    ...validation,
    target: { kind: 'min_metric', metric: 'macro_f1', value: llmAloneMacroF1 - 0.005 },
  });

  it('searches the observed confidences plus 0 and 1', () => {
    expect(plan.searched).toEqual({ candidates: [[0, 0.6, 0.7, 0.8, 0.9, 0.95, 1]], combinations: 7 });
  });

  it('gives the hand-computed frontier', () => {
    // t = 0.6 ties t = 0 exactly (every local confidence is ≥ 0.6) and is dropped; t ≥ 0.9 costs more
    // for no gain; t = 1 is the LLM alone, dearer and worse than t = 0.8.
    expect(plan.frontier.map((p) => p.thresholds)).toEqual([[0], [0.7], [0.8]]);
    const [t0, t07, t08] = plan.frontier;

    // t = 0: local answers r1–r5, r6 escalates. a: TP 2, predicted 3, support 3; b likewise → 2/3 each.
    expect(t0).toMatchObject({ rows: 6, shares: [5 / 6, 1 / 6], abstainedShare: 0, accuracy: 4 / 6, macroF1: 2 / 3 });
    expect(t0!.costPer1000).toBeCloseTo((0.002 / 6) * 1000, 12);
    // Latencies [1, 1, 1, 1, 1, 101]: p95 at position 4.75 → 1 + 0.75 · 100.
    expect(t0!.latencyMs).toEqual({ p50: 1, p95: 76 });

    // t = 0.7: r5 escalates too. a: TP 3, predicted 4, support 3 → 6/7; b: TP 2, predicted 2, support 3 → 4/5.
    expect(t07).toMatchObject({ shares: [4 / 6, 2 / 6], accuracy: 5 / 6, macroF1: (6 / 7 + 4 / 5) / 2 });
    expect(t07!.costPer1000).toBeCloseTo((0.004 / 6) * 1000, 12);
    expect(t07!.latencyMs).toEqual({ p50: 1, p95: 101 });
    // Local's rows r1–r4: a: TP 2, predicted 3, support 2 → 4/5; b: TP 1, predicted 1, support 2 → 2/3.
    expect(t07!.stages).toEqual([
      { stage: 0, rows: 4, share: 4 / 6, accuracy: 3 / 4, macroF1: (4 / 5 + 2 / 3) / 2 },
      { stage: 1, rows: 2, share: 2 / 6, accuracy: 1, macroF1: 1 },
    ]);

    // t = 0.8: the LLM takes r4–r6 and every answer is right.
    expect(t08).toMatchObject({ shares: [0.5, 0.5], accuracy: 1, macroF1: 1 });
    expect(t08!.costPer1000).toBeCloseTo(1, 12);
    // Latencies [1, 1, 1, 101, 101, 101]: p50 halfway between 1 and 101.
    expect(t08!.latencyMs).toEqual({ p50: 51, p95: 101 });
  });

  it('chooses the cheapest point meeting a minimum metric', () => {
    // The LLM alone costs 2 per 1,000; t = 0.7 matches its macro-F1 at a third of that.
    expect(plan.chosen?.thresholds).toEqual([0.7]);
    expect(plan.reason).toMatch(/Cheapest/);
  });

  it('chooses the best metric under a maximum cost', () => {
    const capped = planCascade({
      ...validation,
      target: { kind: 'max_cost_per_1000', metric: 'macro_f1', value: 0.7 },
    });
    expect(capped.chosen?.thresholds).toEqual([0.7]);
    const rich = planCascade({ ...validation, target: { kind: 'max_cost_per_1000', metric: 'accuracy', value: 5 } });
    expect(rich.chosen?.thresholds).toEqual([0.8]);
  });

  it('says when no threshold meets the target, and how close the best came', () => {
    const tooGood = planCascade({ ...validation, target: { kind: 'min_metric', metric: 'macro_f1', value: 1.01 } });
    expect(tooGood.chosen).toBeNull();
    expect(tooGood.reason).toBe('No thresholds meet macro-F1 ≥ 1.0100: the best is 1.0000 at 1.0000 USD per 1,000.');
    expect(tooGood.frontier).toHaveLength(3);
    const tooCheap = planCascade({
      ...validation,
      target: { kind: 'max_cost_per_1000', metric: 'macro_f1', value: 0.2 },
    });
    expect(tooCheap.chosen).toBeNull();
    expect(tooCheap.reason).toBe('No thresholds cost at most 0.2000 USD per 1,000: the cheapest costs 0.3333.');
  });

  it('uses given candidates and leaves unpriced points off the frontier', () => {
    const unpriced: CascadeData = {
      ...validation,
      rows: validation.rows.map((r, i) =>
        i === 5 ? row(r.trueLabel, r.stages[0]!, { ...r.stages[1]!, costUsd: null }) : r,
      ),
    };
    // r6 always reaches the unpriced LLM call, so no point has a known cost.
    const result = planCascade({
      ...unpriced,
      candidates: [[0.8, 0.7]],
      target: { kind: 'min_metric', metric: 'accuracy', value: 0 },
    });
    expect(result.searched.candidates).toEqual([[0.7, 0.8]]);
    expect(result.frontier).toEqual([]);
    expect(result.chosen).toBeNull();
  });

  it('rejects bad candidates with a validation problem', () => {
    try {
      planCascade({
        ...validation,
        candidates: [[1.2]],
        target: { kind: 'min_metric', metric: 'accuracy', value: 0.5 },
      });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe('validation_failed');
    }
  });

  it('bounds the grid of a three-stage cascade', () => {
    const mid = (label: string, confidence: number): StagePrediction => ({
      ...local(label, confidence),
      costUsd: 0.0001,
    });
    const rows = Array.from({ length: 20 }, (_, i) => row('a', local('a', i / 20), mid('a', (i + 0.5) / 20), llm('a')));
    const result = planCascade({
      labels: ['a', 'b'],
      rows,
      maxCombinations: 9,
      target: { kind: 'min_metric', metric: 'accuracy', value: 1 },
    });
    expect(result.searched.combinations).toBe(9);
    for (const list of result.searched.candidates) {
      expect(list).toHaveLength(3);
      expect([list[0], list[2]]).toEqual([0, 1]);
    }
    // Every answer is right, so the cheapest point lets the free local stage answer everything.
    expect(result.chosen).toMatchObject({ thresholds: [0, 0], shares: [1, 0, 0], costPer1000: 0 });
  });
});

describe('capByQuantiles', () => {
  it('keeps both ends and evenly spaced order statistics', () => {
    expect(capByQuantiles([0, 0.1, 0.2, 0.3, 0.4, 0.5, 1], 3)).toEqual([0, 0.3, 1]);
    expect(capByQuantiles([0, 1], 200)).toEqual([0, 1]);
  });
});

describe('evaluateCascade', () => {
  it('reports validation-chosen thresholds on the test split', () => {
    const chosen = planCascade({
      ...validation,
      target: { kind: 'min_metric', metric: 'macro_f1', value: llmAloneMacroF1 - 0.005 },
    }).chosen!;
    const test: CascadeData = {
      labels: ['a', 'b'],
      rows: [
        row('a', local('a', 0.75), llm('a')),
        row('b', local('a', 0.72), llm('b')),
        row('b', local('b', 0.5), llm('b')),
        row('a', local('a', 0.69), llm('a')),
      ],
    };
    const report = evaluateCascade(chosen.thresholds, test);
    // a: TP 2, predicted 3, support 2 → 4/5; b: TP 1, predicted 1, support 2 → 2/3.
    expect(report).toMatchObject({
      thresholds: [0.7],
      shares: [0.5, 0.5],
      accuracy: 3 / 4,
      macroF1: (4 / 5 + 2 / 3) / 2,
      answeredBy: [0, 0, 1, 1],
      correct: [true, false, true, true],
      latencyMs: { p50: 51, p95: 101 },
    });
    expect(report.costPer1000).toBeCloseTo(1, 12);
    // Lower than on validation (29/35): the honest figure is the test one.
    expect(report.macroF1!).toBeLessThan(chosen.macroF1!);
  });

  it('scores answered rows only when the cascade abstains, but pays for every call', () => {
    const report = evaluateCascade([0.9], validation, 0.995);
    // Local answers r1–r2; the LLM's 0.99 is below 0.995 on every other row, so r3–r6 abstain.
    expect(report).toMatchObject({
      shares: [2 / 6, 0],
      abstainedShare: 4 / 6,
      accuracy: 1,
      answeredBy: [0, 0, null, null, null, null],
    });
    expect(report.costPer1000).toBeCloseTo((0.008 / 6) * 1000, 12);
  });
});
