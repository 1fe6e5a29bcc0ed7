import type { DatasetRow, LabelSource } from '../datasets/rows.js';
import { type Agreement, agreement } from './agreement.js';
import { SIGNAL_YES } from './label-run-request.js';

export interface LabelAnswer {
  exampleId: string;
  label: string | null;
  confidence: number | null;
  /** The LLM's probability for every label it considered, when the provider gave logprobs. */
  probabilities?: Record<string, number> | null;
}

export interface ApplyOptions {
  /** Answers under this confidence are counted and listed for a person to review. */
  lowConfidenceThreshold: number;
  /** The signal-strength pass: weak answers (under minConfidence) become the negative label. */
  refine?: { negativeLabel: string; minConfidence: number; signalPrompt?: string };
  /** How many flagged example ids the report lists. */
  listed?: number;
}

/**
 * How sure the LLM is of `label`: its probability when the answer carries a distribution that
 * names it, the answer's confidence when it answered `label`, and otherwise 1 − the confidence
 * of what it did answer: an upper bound, so a missing distribution never makes a row look
 * weaker than it is.
 */
export function confidenceFor(answer: LabelAnswer, label: string): number | null {
  const given = answer.probabilities?.[label];
  if (given !== undefined) return given;
  if (answer.confidence === null) return null;
  return answer.label === label ? answer.confidence : 1 - answer.confidence;
}

/**
 * Writes a run's answers onto a version's rows: label source `llm` with the answer's confidence.
 * Rows that already had a label keep it, except under refinement: a labeled row whose current
 * label the LLM gives less than `minConfidence` carries too little signal and takes the negative
 * label (source `llm`, confidence = the LLM's confidence in the label it replaced, so it sorts
 * as weak in review). Where both labels exist the two are compared (accuracy and Cohen's kappa)
 * so people can see how far to trust the LLM on the rest; labels an LLM made are left out of
 * that figure, since an LLM agreeing with an LLM says nothing about either.
 */
export function applyLabelAnswers(rows: DatasetRow[], answers: LabelAnswer[], options: ApplyOptions) {
  const byExample = new Map(
    answers.filter((answer) => answer.label !== null).map((answer) => [answer.exampleId, answer]),
  );
  const pairsBySource = new Map<LabelSource, { a: string; b: string }[]>();
  const flagged = new Set<string>();
  const refined = new Set<string>();
  const { refine } = options;
  let labeled = 0;
  const out = rows.map((row): DatasetRow => {
    const answer = byExample.get(row.exampleId);
    if (!answer) return row;
    if (refine?.signalPrompt !== undefined) {
      // The answers are yes/no to "does this carry signal?", not labels: weak rows go negative,
      // the others stay as they are (labeled or not).
      const signal = confidenceFor(answer, SIGNAL_YES);
      if (signal !== null && signal < options.lowConfidenceThreshold) flagged.add(row.exampleId);
      if (signal === null || signal >= refine.minConfidence || row.label === refine.negativeLabel) return row;
      refined.add(row.exampleId);
      return { ...row, label: refine.negativeLabel, labelSource: 'llm', confidence: signal };
    }
    if (answer.confidence !== null && answer.confidence < options.lowConfidenceThreshold) flagged.add(row.exampleId);
    if (row.label !== null) {
      const source = row.labelSource ?? 'import';
      const pairs = pairsBySource.get(source);
      if (pairs) pairs.push({ a: row.label, b: answer.label! });
      else pairsBySource.set(source, [{ a: row.label, b: answer.label! }]);
      if (!refine || row.label === refine.negativeLabel) return row;
      const current = confidenceFor(answer, row.label);
      if (current === null || current >= refine.minConfidence) return row;
      refined.add(row.exampleId);
      return { ...row, label: refine.negativeLabel, labelSource: 'llm', confidence: current };
    }
    let label = answer.label!;
    const weak = answer.confidence !== null && answer.confidence < (refine?.minConfidence ?? -1);
    if (refine && weak && label !== refine.negativeLabel) {
      label = refine.negativeLabel;
      refined.add(row.exampleId);
    }
    labeled += 1;
    return { ...row, label, labelSource: 'llm', confidence: answer.confidence };
  });
  const bySource: Partial<Record<LabelSource, Agreement>> = {};
  for (const [source, pairs] of pairsBySource) bySource[source] = agreement(pairs);
  const notByLlm = [...pairsBySource].flatMap(([source, pairs]) => (source === 'llm' ? [] : pairs));
  return {
    rows: out,
    report: {
      labeled_rows: labeled,
      refined_to_negative: refined.size,
      refined_example_ids: [...refined].slice(0, options.listed ?? 100),
      low_confidence: {
        threshold: options.lowConfidenceThreshold,
        count: flagged.size,
        example_ids: [...flagged].slice(0, options.listed ?? 100),
      },
      agreement_with_existing_labels: agreement(notByLlm),
      agreement_by_label_source: bySource,
    },
  };
}
