/**
 * Population stability index of a label distribution against a reference one:
 * PSI = Σ (actual_i − expected_i) · ln(actual_i / expected_i) over the labels, with shares.
 * A label absent on one side would make the logarithm infinite, so empty shares are floored at
 * `epsilon` (the usual practice). Conventional reading: below 0.1 stable, 0.1–0.25 a moderate
 * shift worth watching, above 0.25 a significant shift (retrain or relabel).
 */
export interface PsiResult {
  psi: number;
  level: 'stable' | 'moderate' | 'significant';
  labels: { label: string; expected_share: number; actual_share: number; contribution: number }[];
}

const PSI_EPSILON = 1e-4;

export function populationStability(
  expected: Record<string, number>,
  actual: Record<string, number>,
  labels: readonly string[],
  epsilon = PSI_EPSILON,
): PsiResult | null {
  const total = (counts: Record<string, number>) => labels.reduce((sum, label) => sum + (counts[label] ?? 0), 0);
  const expectedTotal = total(expected);
  const actualTotal = total(actual);
  if (expectedTotal === 0 || actualTotal === 0) return null;
  const rows = labels.map((label) => {
    const expectedShare = (expected[label] ?? 0) / expectedTotal;
    const actualShare = (actual[label] ?? 0) / actualTotal;
    const e = Math.max(expectedShare, epsilon);
    const a = Math.max(actualShare, epsilon);
    return { label, expected_share: expectedShare, actual_share: actualShare, contribution: (a - e) * Math.log(a / e) };
  });
  const psi = rows.reduce((sum, row) => sum + row.contribution, 0);
  return { psi, level: psi < 0.1 ? 'stable' : psi <= 0.25 ? 'moderate' : 'significant', labels: rows };
}

/** Below this many predictions in the window a PSI is noise (two predictions gave 7.07), not drift. */
export const DEFAULT_MIN_DRIFT_SAMPLE = 100;

/**
 * The PSI read against a minimum sample: with fewer predictions than `minPredictions` the index is
 * still shown, but no level is claimed and it is never `significant`.
 */
export function driftReading(
  result: PsiResult,
  counts: { predictions: number; referenceRows: number },
  minPredictions: number,
) {
  const { predictions, referenceRows } = counts;
  const insufficient = predictions < minPredictions;
  return {
    ...result,
    level: insufficient ? null : result.level,
    significant: !insufficient && result.level === 'significant',
    insufficient_sample: insufficient,
    sample: { predictions, reference_rows: referenceRows, min_predictions: minPredictions },
  };
}
