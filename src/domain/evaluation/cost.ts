/**
 * Token and cost totals for an evaluation run. Every row is one model call, failed ones included:
 * a call that errored after the provider billed it still cost money, and leaving it out would make
 * an unreliable model look cheaper.
 */

export interface UsageRow {
  inputTokens: number;
  outputTokens: number;
  /** Null when the call's price is unknown (e.g. no pricing for the model). */
  costUsd: number | null;
}

export interface UsageSummary {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Mean tokens per call; null when there were no calls. */
  meanInputTokens: number | null;
  meanOutputTokens: number | null;
  /** Sum of the known costs; null when no call has a known cost. */
  costUsd: number | null;
  /** Calls whose cost is unknown, so `costUsd` undercounts when this is above 0. */
  unpricedCalls: number;
}

/** Cost of 1,000 classifications at this run's average; null when nothing was classified. */
export function costPerThousand(totalCostUsd: number, classifications: number): number | null {
  if (!Number.isFinite(totalCostUsd)) throw new RangeError(`costPerThousand: cost must be finite, got ${totalCostUsd}`);
  if (!Number.isInteger(classifications) || classifications < 0) {
    throw new RangeError(`costPerThousand: classifications must be a non-negative integer, got ${classifications}`);
  }
  return classifications === 0 ? null : (totalCostUsd / classifications) * 1000;
}

export function summariseUsage(rows: readonly UsageRow[]): UsageSummary {
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd: number | null = null;
  let unpricedCalls = 0;
  for (const row of rows) {
    inputTokens += row.inputTokens;
    outputTokens += row.outputTokens;
    if (row.costUsd === null) unpricedCalls++;
    else costUsd = (costUsd ?? 0) + row.costUsd;
  }
  const calls = rows.length;
  return {
    calls,
    inputTokens,
    outputTokens,
    meanInputTokens: calls === 0 ? null : inputTokens / calls,
    meanOutputTokens: calls === 0 ? null : outputTokens / calls,
    costUsd,
    unpricedCalls,
  };
}
