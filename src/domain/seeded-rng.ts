import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The one seeded generator behind splits, samples, few-shot picks and the local trainer, so the
 * same seed gives the same rows everywhere. xoroshiro128+ starts from a state that is mostly the
 * seed itself (its first output is `~seed`), so nearby seeds would make nearly the same first
 * draws; discarding a few outputs mixes the state first.
 */
export function seededRng(seed: number): RandomGenerator {
  const rng = xoroshiro128plus(seed);
  for (let i = 0; i < 32; i++) rng.next();
  return rng;
}

/** Fisher–Yates over a plain or typed array: an unbiased permutation driven only by the generator. */
export function shuffleInPlace<T extends { [index: number]: unknown; length: number }>(
  items: T,
  rng: RandomGenerator,
): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
  return items;
}
