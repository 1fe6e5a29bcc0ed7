import type { ResponseBody } from '@tuneline/client';

type Prediction = ResponseBody<'/v1/evaluations/{evaluation}/predictions'>['data'][number];

export interface ReliabilityBin {
  lower: number;
  upper: number;
  rows: number;
  /** Null for an empty bin. */
  accuracy: number | null;
  meanConfidence: number | null;
}

/**
 * The bins behind the evaluation's ECE, from its per-row probabilities: the API stores only the
 * ECE, so the diagram recomputes the bins the same way (src/domain/evaluation/calibration.ts: top
 * probability as confidence and argmax as the answer, first label on ties; bins (lower, upper] with
 * the first taking 0; failed calls and rows naming no label left out).
 */
export function reliabilityBins(
  rows: readonly Prediction[],
  labels: readonly string[],
  bins: number,
): ReliabilityBin[] {
  const step = 1 / bins;
  const innerEdges = Array.from({ length: bins - 1 }, (_, i) => (i + 1) * step);
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  for (const row of rows) {
    const map = row.error_code === null ? row.probabilities : null;
    if (!map || !labels.some((label) => Object.hasOwn(map, label))) continue;
    const scores = labels.map((label) => map[label] ?? 0);
    let best = 0;
    scores.forEach((p, j) => {
      if (p > scores[best]!) best = j;
    });
    const top = scores[best]!;
    const bin = innerEdges.filter((edge) => edge < top).length;
    count[bin]!++;
    confidence[bin]! += top;
    if (labels[best] === row.true_label) correct[bin]!++;
  }
  return count.map((n, b) => ({
    lower: b * step,
    upper: (b + 1) * step,
    rows: n,
    accuracy: n > 0 ? correct[b]! / n : null,
    meanConfidence: n > 0 ? confidence[b]! / n : null,
  }));
}

/** Σ (n_bin / n) · |accuracy − confidence|: the ECE of these bins, to check against the API's. */
export function binsEce(bins: readonly ReliabilityBin[]): number | null {
  const total = bins.reduce((sum, bin) => sum + bin.rows, 0);
  if (total === 0) return null;
  return bins.reduce(
    (sum, bin) => (bin.rows === 0 ? sum : sum + Math.abs(bin.accuracy! - bin.meanConfidence!) * (bin.rows / total)),
    0,
  );
}
