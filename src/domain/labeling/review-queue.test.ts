import { describe, expect, it } from 'vitest';
import { confidentLearning, rankForReview, stratifiedFolds, type ReviewCandidate } from './review-queue.js';

describe('confidentLearning', () => {
  // Thresholds: a = mean(0.9, 0.8, 0.3) = 2/3; b = mean(0.7, 0.6) = 0.65.
  const labels = ['a', 'b'];
  const given = ['a', 'a', 'a', 'b', 'b'];
  const probabilities = [
    [0.9, 0.1],
    [0.8, 0.2],
    [0.3, 0.7], // b at 0.7 ≥ 0.65: labelled a, likely b
    [0.3, 0.7],
    [0.4, 0.6], // a at 0.4 < 2/3: not flagged although b is only 0.6
  ];

  it('sets per-label thresholds to the mean self-confidence and flags rows another label clears', () => {
    const result = confidentLearning(given, probabilities, labels);
    expect(result.thresholds['a']).toBeCloseTo(2 / 3, 12);
    expect(result.thresholds['b']).toBeCloseTo(0.65, 12);
    expect(result.rows.map((row) => row.flagged)).toEqual([false, false, true, false, false]);
    expect(result.rows[2]).toMatchObject({ suggested: 'b' });
    expect(result.rows[2]!.score).toBeCloseTo(0.7, 12);
    expect(result.rows[4]!.score).toBeCloseTo(0.4, 12);
  });

  it('never moves a row to a label no row carries', () => {
    const result = confidentLearning(
      ['a', 'a'],
      [
        [0.2, 0.8],
        [0.9, 0.1],
      ],
      ['a', 'b'],
    );
    expect(result.rows.map((row) => row.flagged)).toEqual([false, false]);
  });
});

describe('stratifiedFolds', () => {
  it('deals every label across the folds, the same way for the same seed', () => {
    const labels = [...Array(10).fill('a'), ...Array(5).fill('b')];
    const folds = stratifiedFolds(labels, 5, 7);
    expect(folds).toEqual(stratifiedFolds(labels, 5, 7));
    for (let fold = 0; fold < 5; fold++) {
      expect(folds.filter((f, i) => f === fold && labels[i] === 'a')).toHaveLength(2);
      expect(folds.filter((f, i) => f === fold && labels[i] === 'b')).toHaveLength(1);
    }
  });
});

describe('rankForReview', () => {
  const base = (position: number, extra: Partial<ReviewCandidate>): ReviewCandidate => ({
    position,
    exampleId: `e${position}`,
    text: `t${position}`,
    currentLabel: 'a',
    labelSource: 'import',
    ...extra,
  });

  it('keeps rows with a reason, likeliest wrong first, with the reasons and a suggestion', () => {
    const ranked = rankForReview(
      [
        base(0, { llm: { label: 'a', confidence: 0.95, confidenceForCurrent: 0.95 } }),
        base(1, { llm: { label: 'b', confidence: 0.9, confidenceForCurrent: 0.1 } }),
        base(2, { llm: { label: 'a', confidence: 0.5, confidenceForCurrent: 0.5 } }),
        base(3, { outOfFold: { score: 0.6, flagged: true, suggested: 'c' } }),
      ],
      0.6,
    );
    expect(ranked.map((item) => [item.exampleId, item.reasons, item.suggestedLabel])).toEqual([
      ['e1', ['llm_disagrees', 'low_llm_confidence'], 'b'],
      ['e3', ['out_of_fold_disagrees'], 'c'],
      ['e2', ['low_llm_confidence'], null],
    ]);
    expect(ranked[0]!.score).toBeCloseTo(0.9, 12);
  });
});
