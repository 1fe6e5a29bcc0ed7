import type { DatasetRow } from '../datasets/rows.js';
import { agreement } from './agreement.js';

export interface LabelAnswer {
  exampleId: string;
  label: string | null;
  confidence: number | null;
}

export interface ApplyOptions {
  /** Answers under this confidence are counted and listed for a person to review. */
  lowConfidenceThreshold: number;
  /** The signal-strength pass: weak answers (under minConfidence) become the negative label. */
  refine?: { negativeLabel: string; minConfidence: number };
  /** How many flagged example ids the report lists. */
  listed?: number;
}

/**
 * Writes a run's answers onto a version's rows: label source `llm` with the answer's confidence.
 * Rows that already had a label keep it; where both exist the two are compared (accuracy and
 * Cohen's kappa) so people can see how far to trust the LLM on the rest.
 */
export function applyLabelAnswers(rows: DatasetRow[], answers: LabelAnswer[], options: ApplyOptions) {
  const byExample = new Map(
    answers.filter((answer) => answer.label !== null).map((answer) => [answer.exampleId, answer]),
  );
  const pairs: { a: string; b: string }[] = [];
  const flagged = new Set<string>();
  let labeled = 0;
  let refined = 0;
  const out = rows.map((row): DatasetRow => {
    const answer = byExample.get(row.exampleId);
    if (!answer) return row;
    let label = answer.label!;
    const weak = answer.confidence !== null && answer.confidence < (options.refine?.minConfidence ?? -1);
    if (options.refine && weak && label !== options.refine.negativeLabel) {
      label = options.refine.negativeLabel;
      refined += 1;
    }
    if (answer.confidence !== null && answer.confidence < options.lowConfidenceThreshold) flagged.add(row.exampleId);
    if (row.label !== null) {
      pairs.push({ a: row.label, b: label });
      return row;
    }
    labeled += 1;
    return { ...row, label, labelSource: 'llm', confidence: answer.confidence };
  });
  const agreed = agreement(pairs);
  return {
    rows: out,
    report: {
      labeled_rows: labeled,
      refined_to_negative: refined,
      low_confidence: {
        threshold: options.lowConfidenceThreshold,
        count: flagged.size,
        example_ids: [...flagged].slice(0, options.listed ?? 100),
      },
      agreement_with_existing_labels: agreed,
    },
  };
}
