import { describe, expect, it } from 'vitest';
import { cascadeStageMetrics } from '../evaluation/cascade-stage-metrics.js';
import { cascadeAuditNumbers } from './cascade-audit.js';
import { composeCascadeRow, type StagePredictionRow } from './cascade-composition.js';
import type { CascadeDefinition } from './cascade-definition.js';

const row = (patch: Partial<StagePredictionRow>): StagePredictionRow => ({
  predicted: 'a',
  confidence: 0.9,
  probabilities: { a: 0.9, b: 0.1 },
  latencyMs: 10,
  inputTokens: 100,
  outputTokens: 1,
  costUsd: 0.001,
  errorCode: null,
  ...patch,
});

const twoStages: CascadeDefinition = {
  stages: [
    { modelVersionId: 'cheap', minConfidence: 0.8 },
    { modelVersionId: 'big', minConfidence: null },
  ],
  abstainBelow: null,
};

describe('composeCascadeRow', () => {
  it('answers from the first stage at its threshold, paying for that stage only', () => {
    const composed = composeCascadeRow(twoStages, [
      row({ confidence: 0.8, costUsd: 0.001 }),
      row({ predicted: 'b', costUsd: 0.01 }),
    ]);
    expect(composed).toMatchObject({ stage: 0, predicted: 'a', confidence: 0.8, costUsd: 0.001, latencyMs: 10 });
    expect(composed.inputTokens).toBe(100);
  });

  it('escalates below the threshold and sums cost, latency and tokens of both stages', () => {
    const composed = composeCascadeRow(twoStages, [
      row({ confidence: 0.79, costUsd: 0.001, latencyMs: 3 }),
      row({ predicted: 'b', confidence: 0.6, costUsd: 0.01, latencyMs: 40, probabilities: { a: 0.4, b: 0.6 } }),
    ]);
    expect(composed).toMatchObject({
      stage: 1,
      predicted: 'b',
      confidence: 0.6,
      latencyMs: 43,
      inputTokens: 200,
      outputTokens: 2,
      probabilities: { a: 0.4, b: 0.6 },
      errorCode: null,
    });
    expect(composed.costUsd).toBeCloseTo(0.011, 15);
  });

  it('escalates a failed first stage whatever it reported, and an unpriced stage reached makes the cost unknown', () => {
    const composed = composeCascadeRow(twoStages, [
      row({ errorCode: 'server_error', confidence: 0.99 }),
      row({ predicted: 'b', costUsd: null, latencyMs: null }),
    ]);
    expect(composed).toMatchObject({ stage: 1, predicted: 'b', costUsd: null, latencyMs: null });
  });

  it('keeps a failed last stage as its failure', () => {
    const composed = composeCascadeRow(twoStages, [
      row({ confidence: 0.1 }),
      row({ predicted: null, errorCode: 'unparseable' }),
    ]);
    expect(composed).toMatchObject({ stage: 1, predicted: null, errorCode: 'unparseable', probabilities: null });
  });

  it('abstains below abstain_below after paying for every stage', () => {
    const composed = composeCascadeRow({ ...twoStages, abstainBelow: 0.7 }, [
      row({ confidence: 0.5 }),
      row({ predicted: 'b', confidence: 0.65 }),
    ]);
    expect(composed).toMatchObject({ stage: null, predicted: null, errorCode: 'abstained', costUsd: 0.002 });
    expect(composed.errorMessage).toContain('below abstain_below 0.7');
  });
});

describe('cascadeStageMetrics', () => {
  it('scores each stage on its own rows and counts abstentions', () => {
    const metrics = cascadeStageMetrics(
      ['a', 'b'],
      ['cheap', 'big'],
      [
        { trueLabel: 'a', predicted: 'a', errorCode: null, stage: 0 },
        { trueLabel: 'b', predicted: 'a', errorCode: null, stage: 0 },
        { trueLabel: 'b', predicted: 'b', errorCode: null, stage: 1 },
        { trueLabel: 'a', predicted: null, errorCode: 'abstained', stage: null },
      ],
    );
    expect(metrics.stages[0]).toEqual({
      stage: 0,
      model_version_id: 'cheap',
      rows: 2,
      share: 0.5,
      accuracy: 0.5,
      // a: P 1/2, R 1, F1 2/3; b: P 0, R 0, F1 0.
      macro_f1: 1 / 3,
    });
    expect(metrics.stages[1]).toMatchObject({ rows: 1, share: 0.25, accuracy: 1 });
    expect(metrics).toMatchObject({ abstained_rows: 1, abstained_share: 0.25 });
  });
});

describe('cascadeAuditNumbers', () => {
  it('names a cascade’s stages and their shares, and nothing for other models', () => {
    expect(cascadeAuditNumbers({ kind: 'prompt', cascade: null }, null)).toEqual({});
    const numbers = cascadeAuditNumbers({ kind: 'cascade', cascade: twoStages }, null);
    expect(numbers).toMatchObject({
      kind: 'cascade',
      stages: [
        { stage: 0, model_version_id: 'cheap', min_confidence: 0.8, share: null },
        { stage: 1, model_version_id: 'big', min_confidence: null, share: null },
      ],
      abstain_below: null,
    });
  });
});
