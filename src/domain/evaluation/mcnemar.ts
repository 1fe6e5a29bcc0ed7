import { binomialHalfCdf } from './binomial.js';
import { assertSameLength } from './inputs.js';

export interface McNemarResult {
  /** Rows only model A got right (b in the 2×2 table). */
  onlyA: number;
  /** Rows only model B got right (c). */
  onlyB: number;
  /** Two-sided exact p-value. */
  pValue: number;
}

/**
 * Exact McNemar test of two models scored on the same rows, as statsmodels'
 * `mcnemar([[both, onlyA], [onlyB, neither]], exact=True)`: under "equally accurate" each
 * discordant row is a fair coin, so p = min(1, 2 · P(X ≤ min(b, c))) with X ~ Binomial(b + c, ½).
 * Rows both models got right or wrong carry no information about which is better. p = 1 when there
 * are no discordant rows (statsmodels gives the same, as Binomial(0, ½) puts all mass on 0).
 */
export function mcnemar(aCorrect: readonly boolean[], bCorrect: readonly boolean[]): McNemarResult {
  assertSameLength('mcnemar', aCorrect, bCorrect);
  let onlyA = 0;
  let onlyB = 0;
  aCorrect.forEach((a, i) => {
    const b = bCorrect[i]!;
    if (a && !b) onlyA++;
    else if (b && !a) onlyB++;
  });
  const pValue = Math.min(1, 2 * binomialHalfCdf(Math.min(onlyA, onlyB), onlyA + onlyB));
  return { onlyA, onlyB, pValue };
}
