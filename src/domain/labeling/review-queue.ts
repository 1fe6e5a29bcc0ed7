import { seededRng, shuffleInPlace } from '../seeded-rng.js';

/**
 * Ranking a version's labeled rows by how likely their label is wrong, from two independent
 * witnesses: the LLM's answers from label runs, and a local model's out-of-fold probabilities
 * read the Cleanlab way (confident learning, Northcutt et al. 2021).
 */

export const REVIEW_REASONS = ['llm_disagrees', 'low_llm_confidence', 'out_of_fold_disagrees'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/**
 * Stratified fold numbers (0..k-1) for rows with these labels: each label's rows are shuffled
 * (seeded) and dealt round-robin, so every fold holds about its share of every label.
 */
export function stratifiedFolds(labels: readonly string[], k: number, seed: number): number[] {
  const byLabel = new Map<string, number[]>();
  for (const [index, label] of labels.entries()) {
    const indices = byLabel.get(label);
    if (indices) indices.push(index);
    else byLabel.set(label, [index]);
  }
  const folds = new Array<number>(labels.length).fill(0);
  const rng = seededRng(seed);
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const indices = byLabel.get(label)!;
    shuffleInPlace(indices, rng);
    // Continuing the deal across labels keeps small labels from all landing in fold 0.
    for (const index of indices) folds[index] = next++ % k;
  }
  return folds;
}

export interface ConfidentLearningRow {
  /** 1 − the out-of-fold probability of the given label. */
  score: number;
  /** Another label's probability reaches that label's threshold: the given label is suspect. */
  flagged: boolean;
  /** The likeliest label among those over their thresholds (the given one when not flagged). */
  suggested: string;
}

/**
 * Confident learning on out-of-fold probabilities: a label's threshold is the mean probability
 * the model gives it on the rows that carry it (its self-confidence); a row is flagged when some
 * other label's probability reaches that label's threshold, and the suggestion is the likeliest
 * such label. `probabilities[i][j]` is row i's probability of `labels[j]`.
 */
export function confidentLearning(
  given: readonly string[],
  probabilities: readonly (readonly number[])[],
  labels: readonly string[],
): { thresholds: Record<string, number>; rows: ConfidentLearningRow[] } {
  const index = new Map(labels.map((label, j) => [label, j]));
  const sums = new Array<number>(labels.length).fill(0);
  const counts = new Array<number>(labels.length).fill(0);
  given.forEach((label, i) => {
    const j = index.get(label)!;
    sums[j]! += probabilities[i]![j]!;
    counts[j]! += 1;
  });
  // A label no row carries has no self-confidence; no row can be moved to it.
  const thresholds = sums.map((sum, j) => (counts[j] === 0 ? Number.POSITIVE_INFINITY : sum / counts[j]!));
  const rows = given.map((label, i): ConfidentLearningRow => {
    const p = probabilities[i]!;
    const own = index.get(label)!;
    let suggested = own;
    for (let j = 0; j < labels.length; j++) {
      if (j === own || p[j]! < thresholds[j]!) continue;
      if (suggested === own || p[j]! > p[suggested]!) suggested = j;
    }
    return { score: 1 - p[own]!, flagged: suggested !== own, suggested: labels[suggested]! };
  });
  return {
    thresholds: Object.fromEntries(labels.map((label, j) => [label, thresholds[j]!])),
    rows,
  };
}

export interface ReviewCandidate {
  position: number;
  exampleId: string;
  text: string;
  currentLabel: string;
  labelSource: string | null;
  /** The latest LLM answer for the example, if any label run answered it. */
  llm?: { label: string; confidence: number | null; confidenceForCurrent: number | null };
  /** Out-of-fold result, when cross-validation ran. */
  outOfFold?: ConfidentLearningRow;
}

export interface ReviewItem extends ReviewCandidate {
  score: number;
  reasons: ReviewReason[];
  suggestedLabel: string | null;
}

/**
 * The rows with at least one reason to doubt their label, likeliest wrong first. The score is
 * the strongest estimate of 1 − p(current label) among the witnesses; ties keep version order.
 * The suggestion is the local model's when it flagged the row, otherwise the LLM's answer when
 * it disagrees.
 */
export function rankForReview(candidates: readonly ReviewCandidate[], lowConfidence: number): ReviewItem[] {
  const items: ReviewItem[] = [];
  for (const candidate of candidates) {
    const reasons: ReviewReason[] = [];
    const scores: number[] = [];
    const { llm, outOfFold } = candidate;
    if (llm) {
      if (llm.label !== candidate.currentLabel) reasons.push('llm_disagrees');
      if (llm.confidenceForCurrent !== null && llm.confidenceForCurrent < lowConfidence) {
        reasons.push('low_llm_confidence');
      }
      if (llm.confidenceForCurrent !== null) scores.push(1 - llm.confidenceForCurrent);
      else if (llm.label !== candidate.currentLabel) scores.push(1);
    }
    if (outOfFold) {
      if (outOfFold.flagged) reasons.push('out_of_fold_disagrees');
      scores.push(outOfFold.score);
    }
    if (reasons.length === 0) continue;
    const suggestedLabel = outOfFold?.flagged
      ? outOfFold.suggested
      : llm && llm.label !== candidate.currentLabel
        ? llm.label
        : null;
    items.push({ ...candidate, score: Math.max(...scores), reasons, suggestedLabel });
  }
  return items.sort((a, b) => b.score - a.score || a.position - b.position);
}
