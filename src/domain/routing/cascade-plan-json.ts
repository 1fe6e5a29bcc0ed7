import type { CascadePoint } from './cascade-plan.js';

/**
 * A cascade plan's figures as stored and served: plain JSON with snake_case keys, like an
 * evaluation's metrics, with each stage named by its model version.
 */
export interface CascadePointJson {
  /** `min_confidence` of every stage but the last, in stage order. */
  thresholds: number[];
  rows: number;
  /** Share of rows each stage answered; `abstained_share` makes up the rest. */
  shares: number[];
  abstained_share: number;
  /** Over the answered rows; a failed last stage counts as wrong. */
  accuracy: number | null;
  macro_f1: number | null;
  stages: {
    stage: number;
    model_version_id: string;
    rows: number;
    share: number;
    accuracy: number | null;
    macro_f1: number | null;
  }[];
  /** Every stage a row went through is paid for; null when one of those calls is unpriced. */
  cost_per_1000: number | null;
  latency_ms: { p50: number; p95: number } | null;
}

export function cascadePointJson(point: CascadePoint, modelIds: readonly string[]): CascadePointJson {
  return {
    thresholds: point.thresholds,
    rows: point.rows,
    shares: point.shares,
    abstained_share: point.abstainedShare,
    accuracy: point.accuracy,
    macro_f1: point.macroF1,
    stages: point.stages.map((slice) => ({
      stage: slice.stage,
      model_version_id: modelIds[slice.stage]!,
      rows: slice.rows,
      share: slice.share,
      accuracy: slice.accuracy,
      macro_f1: slice.macroF1,
    })),
    cost_per_1000: point.costPer1000,
    latency_ms: point.latencyMs,
  };
}
