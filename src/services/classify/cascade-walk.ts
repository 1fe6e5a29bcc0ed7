import { acceptsAnswer, type Escalation, type StageAnswer, walkStages } from '../../domain/routing/cascade-stage.js';
import type { ClassifyOutcome } from '../../providers/provider.js';
import type { ServingCascade, ServingModel } from './routing-table.js';

/** One stage's call for the input: its answer, or the short code of why it gave none. */
export type StageAttempt = (
  model: ServingModel,
) => Promise<{ answer: ClassifyOutcome; error: null } | { answer: null; error: string }>;

export interface CascadeWalk {
  /** The stage whose answer is served or, when the cascade abstained, the last stage that withheld it. */
  answering: number | null;
  model: ServingModel | null;
  outcome: ClassifyOutcome | null;
  abstained: boolean;
  escalated: Escalation[];
  /** Why the last stage gave no answer, when it failed (the fallback is asked next). */
  error: string | null;
  /** The escalations as classify shows them, with each stage's model version. */
  outcomes: { stage: number; model_version_id: string; confidence: number | null }[];
}

/**
 * Walks a cascade for one input, calling each stage only once the one before it passed the input
 * on: in a batch, only the inputs a stage was unsure of reach the next. A failed or unparseable
 * stage passes it on too (confidence null); a failed last stage leaves it to the fallback, with
 * every stage listed as escalated so monitoring counts each as reached.
 */
export async function walkCascade(
  cascade: ServingCascade,
  attempt: StageAttempt,
  onEscalated: (stage: number) => void,
): Promise<CascadeWalk> {
  const answers: StageAnswer[] = [];
  const outcomes: (ClassifyOutcome | null)[] = [];
  const last = cascade.stages.length - 1;
  let lastError: string | null = null;
  for (const [i, stage] of cascade.stages.entries()) {
    const { answer, error } = await attempt(stage.model);
    outcomes.push(answer);
    answers.push(answer ? { label: answer.label, confidence: answer.confidence } : { label: null, confidence: null });
    if (i === last) lastError = error;
    else if (acceptsAnswer(stage.minConfidence!, answers[i]!)) break;
  }
  const choice = walkStages(
    cascade.stages.map((stage) => ({ minConfidence: stage.minConfidence })),
    answers,
    cascade.abstainBelow,
  );
  const failed = !choice.abstained && choice.label === null;
  const escalated: Escalation[] = failed ? [...choice.escalated, { stage: last, confidence: null }] : choice.escalated;
  for (const passed of escalated) onEscalated(passed.stage);
  const answering = choice.abstained ? last : failed ? null : choice.stage!;
  return {
    answering,
    model: answering === null ? null : cascade.stages[answering]!.model,
    outcome: answering === null ? null : outcomes[answering]!,
    abstained: choice.abstained,
    escalated,
    error: lastError,
    outcomes: escalated.map((passed) => ({
      stage: passed.stage,
      model_version_id: cascade.stages[passed.stage]!.model.id,
      confidence: passed.confidence,
    })),
  };
}
