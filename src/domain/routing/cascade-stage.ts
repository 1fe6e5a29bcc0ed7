/**
 * Which stage of a cascade answers one input. Shared by serving (one input at a time, stages called
 * lazily) and planning (every stage's stored prediction known up front), so a plan measures exactly
 * the rule that classify applies.
 */

/** One stage's answer to an input. A failed call or an answer naming no label has `label: null`. */
export interface StageAnswer {
  label: string | null;
  /** The stage's confidence in its own label; null when it gave none (no logprobs, failed call). */
  confidence: number | null;
}

export interface CascadeStageRule {
  /** Every stage but the last has one; the last always answers, so it has none (null). */
  minConfidence: number | null;
}

export interface Escalation {
  stage: number;
  /** The confidence that fell short; null when the stage gave none or failed. */
  confidence: number | null;
}

export interface StageChoice {
  /** Index of the answering stage; null when the cascade abstained. */
  stage: number | null;
  /** The answer served: null when the last stage failed or the cascade abstained. */
  label: string | null;
  confidence: number | null;
  abstained: boolean;
  /** Stages passed over before the answer, in order. */
  escalated: Escalation[];
}

/**
 * Whether a stage's answer is good enough to serve. At exactly the threshold it is: thresholds are
 * picked from observed confidences, and a plan built on "≥" must be served with "≥" too. A stage
 * with no label (failed, unparseable) never answers early, whatever confidence it reported: an
 * error with a high score is still an error, and the next stage may do better.
 */
export function acceptsAnswer(minConfidence: number, answer: StageAnswer): boolean {
  return answer.label !== null && answer.confidence !== null && answer.confidence >= minConfidence;
}

/** Rejects cascades that cannot be served: called with user-supplied rules, so it says where. */
export function cascadeRuleProblems(stages: readonly CascadeStageRule[], path = 'cascade'): string[] {
  const problems: string[] = [];
  if (stages.length < 2) problems.push(`${path}: a cascade needs at least two stages`);
  stages.forEach((stage, i) => {
    const last = i === stages.length - 1;
    const t = stage.minConfidence;
    if (last && t !== null) problems.push(`${path}[${i}].min_confidence: the last stage always answers`);
    if (!last && (t === null || !(t >= 0 && t <= 1)))
      problems.push(`${path}[${i}].min_confidence: must be a number between 0 and 1`);
  });
  return problems;
}

/**
 * Walks the stages in order. `answers[i]` is only read once stage i is reached, so serving may
 * pass the answers it has so far; reaching a stage with no answer is a caller bug. `abstainBelow`,
 * when set, applies to the last stage: below it the cascade answers nothing (a person decides).
 * A failed last stage is not an abstention: serving falls back to the task's fallback model, and
 * a plan counts it as a wrong answer.
 */
export function chooseStage(
  stages: readonly CascadeStageRule[],
  answers: readonly (StageAnswer | undefined)[],
  abstainBelow: number | null = null,
): StageChoice {
  const problems = cascadeRuleProblems(stages);
  if (problems.length > 0) throw new RangeError(`chooseStage: ${problems.join('; ')}`);
  return walkStages(stages, answers, abstainBelow);
}

/**
 * `chooseStage` without checking the rules: for replaying one checked cascade over many rows, where
 * re-checking per row would dominate a plan's search.
 */
export function walkStages(
  stages: readonly CascadeStageRule[],
  answers: readonly (StageAnswer | undefined)[],
  abstainBelow: number | null,
): StageChoice {
  const escalated: Escalation[] = [];
  const last = stages.length - 1;
  for (let i = 0; i < stages.length; i++) {
    const answer = answers[i];
    if (answer === undefined) throw new RangeError(`chooseStage: stage ${i} was reached but has no answer`);
    const threshold = stages[i]!.minConfidence;
    if (i < last && !acceptsAnswer(threshold!, answer)) {
      escalated.push({ stage: i, confidence: answer.confidence });
      continue;
    }
    if (i === last && abstainBelow !== null && answer.label !== null && !acceptsAnswer(abstainBelow, answer)) {
      escalated.push({ stage: i, confidence: answer.confidence });
      return { stage: null, label: null, confidence: null, abstained: true, escalated };
    }
    return { stage: i, label: answer.label, confidence: answer.confidence, abstained: false, escalated };
  }
  // Unreachable: the last stage always returns above.
  throw new RangeError('chooseStage: no stage answered');
}
