/**
 * numpy's float64 summation (`np.sum`, and so `np.mean` and `np.average`): pairwise, with an
 * 8-way unrolled loop for blocks of up to 128 values. Floating-point addition is not associative,
 * so a plain left-to-right loop can differ from numpy in the last bits; this order reproduces
 * numpy's results exactly, which lets a mean be compared with `==` against a notebook's.
 */

const BLOCK = 128;

function pairwise(values: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[start + i]!;
    return sum;
  }
  if (n <= BLOCK) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => values[start + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = r[j]! + values[start + i + j]!;
    }
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) sum += values[start + i]!;
    return sum;
  }
  // Split near the middle, on a multiple of 8 as numpy does.
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwise(values, start, half) + pairwise(values, start + half, n - half);
}

export function numpySum(values: readonly number[]): number {
  return pairwise(values, 0, values.length);
}

/** `np.mean`; NaN for no values, so callers decide what an empty mean is. */
export function numpyMean(values: readonly number[]): number {
  return numpySum(values) / values.length;
}
