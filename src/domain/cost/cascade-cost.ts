/**
 * What a cascade costs per classification. Every stage a request reaches is paid, whether it
 * answers or passes the request on, so a stage's call costs its price times the share of requests
 * that reach it (its reach rate): the first stage is reached by all, each later one by fewer.
 */
import type { FieldProblem } from '../../errors.js';
import type { PriceOverrides } from '../pricing.js';
import { type CallPriceSource, type PricedCallInput, pricedCall } from './projection.js';

export interface CascadeStageCost {
  reach_rate: number;
  /** Null when the stage is unpriced. */
  price_per_million: { input: number; output: number } | null;
  price_source: CallPriceSource | null;
  per_call_usd: number | null;
  /** Its dedicated endpoint's uptime per day (paid whatever the traffic); 0 without one. */
  endpoint_usd_per_day: number;
}

export interface CascadeCost {
  /** Σ reach rate × per-call cost; null when a stage that is reached at all has no price. */
  perCallUsd: number | null;
  endpointUsdPerDay: number;
  stages: CascadeStageCost[];
  /** Index of the first reached stage with no price, when there is one. */
  unpricedStage: number | null;
}

/**
 * `stages[i]` is null when its per-call figures are unknown (a hosted model no evaluation has
 * measured). A stage nobody reaches costs nothing per call, priced or not.
 */
export function cascadeCost(
  stages: readonly (PricedCallInput | null)[],
  reachRates: readonly number[],
  overrides?: PriceOverrides,
): CascadeCost {
  if (reachRates.length !== stages.length)
    throw new RangeError(`cascadeCost: ${reachRates.length} reach rates for ${stages.length} stages`);
  let perCallUsd: number | null = 0;
  let unpricedStage: number | null = null;
  const costs = stages.map((stage, i): CascadeStageCost => {
    const reach = reachRates[i]!;
    const priced = stage ? pricedCall(stage, overrides) : undefined;
    if (!priced && reach > 0) {
      perCallUsd = null;
      unpricedStage ??= i;
    }
    if (priced && perCallUsd !== null) perCallUsd += reach * priced.perCallUsd;
    return {
      reach_rate: reach,
      price_per_million: priced?.price ?? null,
      price_source: priced?.source ?? null,
      per_call_usd: priced?.perCallUsd ?? null,
      endpoint_usd_per_day: stage?.endpointUsdPerDay ?? 0,
    };
  });
  const endpointUsdPerDay = costs.reduce((sum, stage) => sum + stage.endpoint_usd_per_day, 0);
  return { perCallUsd, endpointUsdPerDay, stages: costs, unpricedStage };
}

/**
 * Reach rates from an evaluation's answering stages: a row answered by stage k reached stages 0..k,
 * an abstained row reached every stage. `answered[k]` counts rows answered by stage k.
 */
export function reachRatesFromAnswers(answered: readonly number[], abstained: number): number[] {
  const total = answered.reduce((sum, count) => sum + count, abstained);
  if (total === 0) return answered.map(() => 0);
  let reaching = total;
  return answered.map((count) => {
    const rate = reaching / total;
    reaching -= count;
    return rate;
  });
}

/** Reach rates a person gives: one per stage, each 0..1, all reach the first, none more the next. */
export function reachRateProblems(rates: readonly number[], stageCount: number, field: string): FieldProblem[] {
  if (rates.length !== stageCount)
    return [{ field, message: `needs one rate per stage: the cascade has ${stageCount} stages` }];
  const problems: FieldProblem[] = [];
  rates.forEach((rate, i) => {
    const at = `${field}[${i}]`;
    if (!(Number.isFinite(rate) && rate >= 0 && rate <= 1))
      problems.push({ field: at, message: 'must be a number between 0 and 1' });
    else if (i === 0 && rate !== 1)
      problems.push({ field: at, message: 'must be 1: every request reaches the first stage' });
    else if (i > 0 && rate > rates[i - 1]!)
      problems.push({
        field: at,
        message: 'must not exceed the previous stage’s: only requests passed on reach a stage',
      });
  });
  return problems;
}
