import { describe, expect, it } from 'vitest';
import { pipelineOutcome } from './outcome.js';

describe('pipelineOutcome', () => {
  it('is promoted when the best candidate became champion', () => {
    expect(
      pipelineOutcome({
        bestCandidate: 'm1',
        championAfter: 'm1',
        fallbackAfter: 'p',
        decisionReason: 'beats the fallback',
      }),
    ).toEqual({
      result: 'promoted',
      reason: 'beats the fallback',
      best_candidate_model_version_id: 'm1',
      champion_model_version_id: 'm1',
      fallback_model_version_id: 'p',
    });
  });

  it('is no_promotion, saying who serves, when a champion or fallback remains', () => {
    expect(
      pipelineOutcome({
        bestCandidate: 'm2',
        championAfter: 'm1',
        fallbackAfter: null,
        decisionReason: 'improvement 0.001 < 0.01',
      }).reason,
    ).toBe('not promoted (improvement 0.001 < 0.01); the champion keeps serving');
    const fallbackOnly = pipelineOutcome({
      bestCandidate: 'm2',
      championAfter: null,
      fallbackAfter: 'p',
      decisionReason: 'too few test rows',
    });
    expect(fallbackOnly).toMatchObject({
      result: 'no_promotion',
      reason: 'not promoted (too few test rows); only the fallback serves',
    });
  });

  it('is nothing_serving when neither a champion nor a fallback is left', () => {
    const outcome = pipelineOutcome({
      bestCandidate: 'm2',
      championAfter: null,
      fallbackAfter: null,
      decisionReason: null,
    });
    expect(outcome.result).toBe('nothing_serving');
    expect(outcome.reason).toContain('no champion and no fallback');
  });
});
