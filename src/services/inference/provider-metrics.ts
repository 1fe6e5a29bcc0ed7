import { Counter, Histogram, type Registry } from 'prom-client';
import type { ClassifyOutcome } from '../../providers/provider.js';

/** What operators watch about model providers: latency, errors, 429s, tokens and money spent. */
export function providerMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ['provider', 'model'] as const;
  const duration = new Histogram({
    name: 'tuneline_provider_call_duration_seconds',
    help: 'Model provider call latency (labeling and evaluation), by outcome',
    labelNames: [...labelNames, 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const failures = new Counter({
    name: 'tuneline_provider_errors_total',
    help: 'Failed provider calls by error code (rate_limit_exceeded is a 429)',
    labelNames: [...labelNames, 'code'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'tuneline_provider_rate_limited_total',
    help: 'Provider answers with HTTP 429',
    labelNames,
    registers,
  });
  const tokens = new Counter({
    name: 'tuneline_provider_tokens_total',
    help: 'Tokens used, by direction (input, output)',
    labelNames: [...labelNames, 'direction'] as const,
    registers,
  });
  const cost = new Counter({
    name: 'tuneline_provider_cost_usd_total',
    help: 'Money spent on provider calls, from the dated price table',
    labelNames,
    registers,
  });
  const oddities = new Counter({
    name: 'tuneline_provider_oddities_total',
    help: 'Provider answers with something odd that was corrected (negative_usage, usage_over_bound, ...), by kind',
    labelNames: [...labelNames, 'kind'] as const,
    registers,
  });

  return {
    succeeded(provider: string, model: string, answer: ClassifyOutcome, costUsd: number | null, seconds: number) {
      duration.observe({ provider, model, outcome: 'ok' }, seconds);
      tokens.inc({ provider, model, direction: 'input' }, answer.usage.inputTokens);
      tokens.inc({ provider, model, direction: 'output' }, answer.usage.outputTokens);
      if (costUsd) cost.inc({ provider, model }, costUsd);
      for (const kind of answer.oddities ?? []) oddities.inc({ provider, model, kind });
    },
    /** Something odd outside a call's answer (a fine-tune's bill), counted with the answers' oddities. */
    oddity(provider: string, model: string, kind: string) {
      oddities.inc({ provider, model, kind });
    },
    failed(provider: string, model: string, code: string, status: number | undefined, seconds: number) {
      duration.observe({ provider, model, outcome: 'error' }, seconds);
      failures.inc({ provider, model, code });
      if (status === 429) rateLimited.inc({ provider, model });
    },
  };
}

export type ProviderMetrics = ReturnType<typeof providerMetrics>;
