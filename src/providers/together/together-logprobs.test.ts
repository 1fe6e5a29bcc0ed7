import { describe, expect, it } from 'vitest';
import { togetherPositions } from './together-logprobs.js';

describe('togetherPositions', () => {
  it('puts the spec’s single top_logprobs map at the first generated token', () => {
    expect(
      togetherPositions({
        tokens: ['spam', '\n'],
        token_logprobs: [-0.1, -0.01],
        top_logprobs: { spam: -0.1, ham: -2.5 },
      }),
    ).toEqual([
      {
        token: 'spam',
        logprob: -0.1,
        top_logprobs: [
          { token: 'spam', logprob: -0.1 },
          { token: 'ham', logprob: -2.5 },
        ],
      },
      { token: '\n', logprob: -0.01, top_logprobs: [] },
    ]);
  });

  it('reads the per-token list the live API has been seen to send', () => {
    const positions = togetherPositions({
      tokens: ['Not', ' spam'],
      token_logprobs: [-0.2, -0.3],
      top_logprobs: [{ Not: -0.2 }, { ' spam': -0.3, ' sure': -1.4 }],
    });
    expect(positions?.[1]?.top_logprobs).toEqual([
      { token: ' spam', logprob: -0.3 },
      { token: ' sure', logprob: -1.4 },
    ]);
  });

  it('takes a missing sampled logprob from the alternatives, and stops where positions cannot be lined up', () => {
    expect(
      togetherPositions({ tokens: ['ham', null, 'x'], token_logprobs: [null, -1, -1], top_logprobs: { ham: -0.5 } }),
    ).toEqual([{ token: 'ham', logprob: -0.5, top_logprobs: [{ token: 'ham', logprob: -0.5 }] }]);
  });

  it('is null when there is nothing to read', () => {
    expect(togetherPositions(undefined)).toBeNull();
    expect(togetherPositions(null)).toBeNull();
    expect(togetherPositions({ tokens: [], token_logprobs: [] })).toBeNull();
    expect(togetherPositions({ tokens: ['spam'] })).toBeNull();
  });
});
