import type { ProjectionOption } from './projection.js';

// Shared by the projection and chart tests. gpt-4o-mini rates, given explicitly so the arithmetic
// does not depend on the price table:
// few-shot:   150 × 0.15 + 1 × 0.6 = 23.1 USD per 1M calls → 0.0000231 per call
// fine-tuned:  50 × 0.30 + 1 × 1.2 = 16.2 USD per 1M calls → 0.0000162 per call, plus 6 USD training
// The fine-tune saves 0.0000069 per call, so it pays back its 6 USD after 6 / 0.0000069 =
// 869,565.2 calls, when both have cost 869,565.2 × 0.0000231 = 20.0870 USD.
export const fewShot: ProjectionOption = {
  name: 'few_shot',
  model: 'gpt-4o-mini',
  inputTokensPerCall: 150,
  outputTokensPerCall: 1,
  trainingCostUsd: 0,
  pricePerMillion: { input: 0.15, output: 0.6 },
};
export const fineTuned: ProjectionOption = {
  name: 'fine_tuned',
  model: 'ft:gpt-4o-mini:org::abc',
  inputTokensPerCall: 50,
  outputTokensPerCall: 1,
  trainingCostUsd: 6,
  pricePerMillion: { input: 0.3, output: 1.2 },
};
