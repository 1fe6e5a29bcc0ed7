/**
 * Argument checks shared by the metrics. Mismatched lengths or a malformed label list are caller
 * bugs, not data to score, so they throw instead of producing a quietly wrong number.
 */

export function assertSameLength(name: string, a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) {
    throw new RangeError(`${name}: expected inputs of the same length, got ${a.length} and ${b.length}`);
  }
}

/** Label → position in `labels`; rejects an empty or repeated list (scikit-learn rejects empty too). */
export function labelIndex(name: string, labels: readonly string[]): Map<string, number> {
  if (labels.length === 0) throw new RangeError(`${name}: labels must not be empty`);
  const index = new Map<string, number>();
  labels.forEach((label, i) => {
    if (index.has(label)) throw new RangeError(`${name}: label "${label}" is listed twice`);
    index.set(label, i);
  });
  return index;
}
