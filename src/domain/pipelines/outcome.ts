/**
 * What a finished pipeline left serving, stated once at the top of its result so nobody has to
 * read the promote step's outputs to learn that classify will answer 409.
 */
export type PipelineResult = 'promoted' | 'no_promotion' | 'nothing_serving';

export interface PipelineOutcome {
  result: PipelineResult;
  reason: string;
  best_candidate_model_version_id: string | null;
  champion_model_version_id: string | null;
  fallback_model_version_id: string | null;
}

export function pipelineOutcome(input: {
  bestCandidate: string | null;
  championAfter: string | null;
  fallbackAfter: string | null;
  /** The promotion policy's reason for its last decision on the best candidate. */
  decisionReason: string | null;
}): PipelineOutcome {
  const ids = {
    best_candidate_model_version_id: input.bestCandidate,
    champion_model_version_id: input.championAfter,
    fallback_model_version_id: input.fallbackAfter,
  };
  const decision = input.decisionReason ?? 'the policy made no decision';
  if (input.bestCandidate !== null && input.championAfter === input.bestCandidate) {
    return { result: 'promoted', reason: decision, ...ids };
  }
  if (input.championAfter === null && input.fallbackAfter === null) {
    return {
      result: 'nothing_serving',
      reason: `not promoted (${decision}), and the task has no champion and no fallback: classify answers 409`,
      ...ids,
    };
  }
  const serving = input.championAfter !== null ? 'the champion keeps serving' : 'only the fallback serves';
  return { result: 'no_promotion', reason: `not promoted (${decision}); ${serving}`, ...ids };
}
