import { describe, expect, it } from 'vitest';
import { newRow } from '../datasets/rows.js';
import { applyLabelAnswers, confidenceFor, type LabelAnswer } from './apply-results.js';

const rows = [
  newRow('a', 'x'),
  newRow('b', 'y'),
  newRow('c', 'nil'),
  newRow('d', null),
  { ...newRow('e', 'x'), labelSource: 'llm' as const },
];
const id = (i: number) => rows[i]!.exampleId;

describe('applyLabelAnswers', () => {
  it('refines labeled rows whose current label is weak and counts exactly the changed rows', () => {
    const answers: LabelAnswer[] = [
      { exampleId: id(0), label: 'x', confidence: 0.4, probabilities: { x: 0.4, y: 0.35, nil: 0.25 } },
      { exampleId: id(1), label: 'y', confidence: 0.9, probabilities: { y: 0.9, nil: 0.1 } },
      { exampleId: id(2), label: 'x', confidence: 0.3 },
      { exampleId: id(3), label: 'y', confidence: 0.2 },
      { exampleId: id(4), label: 'y', confidence: 0.8 },
    ];
    const { rows: out, report } = applyLabelAnswers(rows, answers, {
      lowConfidenceThreshold: 0.6,
      refine: { negativeLabel: 'nil', minConfidence: 0.5 },
    });
    expect(out.map((row) => [row.label, row.labelSource])).toEqual([
      ['nil', 'llm'],
      ['y', 'import'],
      ['nil', 'import'],
      ['nil', 'llm'],
      ['nil', 'llm'],
    ]);
    expect(out[0]!.confidence).toBe(0.4);
    // Without a distribution, disagreeing at 0.8 leaves at most 0.2 for the current label.
    expect(out[4]!.confidence).toBeCloseTo(0.2, 10);
    expect(report.refined_to_negative).toBe(3);
    // The LLM-made label (row e) is left out of the agreement figure and reported on its own.
    expect(report.agreement_with_existing_labels.n).toBe(3);
    expect(report.agreement_by_label_source.llm).toEqual({ n: 1, accuracy: 0, kappa: 0 });
  });

  it('keeps labeled rows as they are without refine', () => {
    const { rows: out, report } = applyLabelAnswers(rows, [{ exampleId: id(0), label: 'y', confidence: 0.1 }], {
      lowConfidenceThreshold: 0.6,
    });
    expect(out[0]).toBe(rows[0]);
    expect(report.refined_to_negative).toBe(0);
  });
});

describe('applyLabelAnswers with a signal prompt', () => {
  it('moves rows whose "yes" is weak to the negative label and leaves the others, unlabeled ones too', () => {
    const answers: LabelAnswer[] = [
      { exampleId: id(0), label: 'no', confidence: 0.7, probabilities: { no: 0.7, yes: 0.3 } },
      { exampleId: id(1), label: 'yes', confidence: 0.9 },
      { exampleId: id(3), label: 'yes', confidence: 0.8 },
    ];
    const { rows: out, report } = applyLabelAnswers(rows, answers, {
      lowConfidenceThreshold: 0.6,
      refine: { negativeLabel: 'nil', minConfidence: 0.5, signalPrompt: 'Enough signal?' },
    });
    expect(out[0]).toMatchObject({ label: 'nil', labelSource: 'llm', confidence: 0.3 });
    expect(out[1]).toBe(rows[1]);
    expect(out[3]).toBe(rows[3]);
    expect(report).toMatchObject({ refined_to_negative: 1, labeled_rows: 0 });
  });
});

describe('confidenceFor', () => {
  it('prefers the distribution, then the confidence, then its complement', () => {
    expect(confidenceFor({ exampleId: '', label: 'x', confidence: 0.7, probabilities: { y: 0.2 } }, 'y')).toBe(0.2);
    expect(confidenceFor({ exampleId: '', label: 'x', confidence: 0.7 }, 'x')).toBe(0.7);
    expect(confidenceFor({ exampleId: '', label: 'x', confidence: 0.7 }, 'y')).toBeCloseTo(0.3, 10);
    expect(confidenceFor({ exampleId: '', label: 'x', confidence: null }, 'y')).toBeNull();
  });
});
