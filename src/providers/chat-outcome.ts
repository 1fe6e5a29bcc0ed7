import type { LabelProbabilities } from '../domain/labeling/logprob-mapping.js';
import type { UsageOddity } from '../domain/labeling/reported-usage.js';
import type { RateLimitSnapshot } from '../lib/provider-rate-limiter.js';
import type { ClassifyOutcome, Usage } from './provider.js';

/** What every hosted classifier returns for one answer, in one shape (oddities and the no-logprobs mark only when present). */
export function answerOutcome(answer: {
  mapped: LabelProbabilities;
  content: string;
  usage: Usage & { oddities: readonly UsageOddity[] };
  withoutLogprobs: boolean;
  startedAt: number;
  rateLimit: RateLimitSnapshot;
}): ClassifyOutcome {
  const { oddities, ...usage } = answer.usage;
  return {
    ...answer.mapped,
    rawOutput: answer.content,
    usage,
    ...(oddities.length > 0 ? { oddities: [...oddities] } : {}),
    ...(answer.withoutLogprobs ? { withoutLogprobs: true } : {}),
    latencyMs: Math.round(performance.now() - answer.startedAt),
    rateLimit: answer.rateLimit,
  };
}
