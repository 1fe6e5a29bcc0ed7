import { ABSTAINED_ERROR } from '../evaluation/evaluate.js';
import type { CascadeDefinition } from './cascade-definition.js';
import { type StageAnswer, walkStages } from './cascade-stage.js';

/**
 * A cascade's evaluation row from its stages' stored predictions of the same row: the stage rule
 * classify serves with (`walkStages`) picks the answering stage, and the row pays for, and waits
 * on, every stage it went through. No model is called.
 */

/** One stage's stored prediction of a row (an evaluation prediction). */
export interface StagePredictionRow {
  predicted: string | null;
  confidence: number | null;
  probabilities: Record<string, number> | null;
  latencyMs: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  /** Set when the call failed or its answer named no label (`unparseable`). */
  errorCode: string | null;
}

/** The cascade's prediction of the row, as an evaluation stores it. */
export interface ComposedPrediction {
  predicted: string | null;
  confidence: number | null;
  probabilities: Record<string, number> | null;
  /** Null when a stage the row went through has no recorded latency. */
  latencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  /** Null when a stage the row went through is unpriced: a partial sum would understate it. */
  costUsd: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The answering stage; null when the cascade abstained. */
  stage: number | null;
}

/** The error code of a row the cascade withheld (below `abstainBelow`): no answer, a person decides. */
export const ABSTAINED = ABSTAINED_ERROR;

/** A failed call's label is not trusted, whatever it said: the same reading a plan makes. */
const answerOf = (row: StagePredictionRow): StageAnswer =>
  row.errorCode ? { label: null, confidence: null } : { label: row.predicted, confidence: row.confidence };

export function composeCascadeRow(
  definition: CascadeDefinition,
  stages: readonly StagePredictionRow[],
): ComposedPrediction {
  if (stages.length !== definition.stages.length)
    throw new RangeError(
      `composeCascadeRow: ${stages.length} stage predictions for ${definition.stages.length} stages`,
    );
  const last = stages.length - 1;
  const choice = walkStages(
    definition.stages,
    stages.map((row) => answerOf(row)),
    definition.abstainBelow,
  );
  // An abstention went through every stage, so it paid for (and waited on) all of them.
  const through = choice.stage ?? last;
  let costUsd: number | null = 0;
  let latencyMs: number | null = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  for (const row of stages.slice(0, through + 1)) {
    costUsd = costUsd === null || row.costUsd === null ? null : costUsd + row.costUsd;
    latencyMs = latencyMs === null || row.latencyMs === null ? null : latencyMs + row.latencyMs;
    inputTokens += row.inputTokens ?? 0;
    outputTokens += row.outputTokens ?? 0;
  }
  const usage = { costUsd, latencyMs, inputTokens, outputTokens };
  if (choice.stage === null) {
    const withheld = stages[last]!;
    return {
      ...usage,
      predicted: null,
      confidence: null,
      probabilities: null,
      errorCode: ABSTAINED,
      errorMessage: `stage ${last} answered "${withheld.predicted}" with confidence ${withheld.confidence}, below abstain_below ${definition.abstainBelow}`,
      stage: null,
    };
  }
  const answering = stages[choice.stage]!;
  return {
    ...usage,
    predicted: choice.label,
    confidence: choice.confidence,
    probabilities: answering.errorCode ? null : answering.probabilities,
    // Only the last stage can answer with a failure: every earlier one escalates it.
    errorCode: answering.errorCode,
    errorMessage: answering.errorCode ? `stage ${choice.stage}: ${answering.errorCode}` : null,
    stage: choice.stage,
  };
}
