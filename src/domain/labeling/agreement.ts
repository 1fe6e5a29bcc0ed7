/**
 * How well two labelings of the same items agree: raw accuracy and Cohen's kappa, which discounts
 * the agreement two raters would reach by chance given how often each uses every label.
 */

export interface Agreement {
  n: number;
  /** Share of items where a and b agree; null when there are no items. */
  accuracy: number | null;
  /** Cohen's kappa; null when undefined (no items, or chance agreement is already certain). */
  kappa: number | null;
}

export function agreement(pairs: readonly { a: string; b: string }[]): Agreement {
  const n = pairs.length;
  if (n === 0) return { n, accuracy: null, kappa: null };
  const countsA = new Map<string, number>();
  const countsB = new Map<string, number>();
  let agreed = 0;
  for (const { a, b } of pairs) {
    if (a === b) agreed++;
    countsA.set(a, (countsA.get(a) ?? 0) + 1);
    countsB.set(b, (countsB.get(b) ?? 0) + 1);
  }
  let chance = 0;
  for (const [label, count] of countsA) chance += count * (countsB.get(label) ?? 0);
  // kappa = (po − pe) / (1 − pe), multiplied through by n² so the counts stay exact integers:
  // the denominator is 0 exactly when both raters used one and the same label for every item.
  // scikit-learn's cohen_kappa_score returns NaN there (0/0); we return null.
  const denominator = n * n - chance;
  return { n, accuracy: agreed / n, kappa: denominator === 0 ? null : (n * agreed - chance) / denominator };
}
