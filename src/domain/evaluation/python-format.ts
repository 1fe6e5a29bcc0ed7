/**
 * Python's `format(x, '.{digits}f')` and `str.rjust`, so report text matches what scikit-learn prints
 * character for character. `Number.prototype.toFixed` breaks exact ties upwards (0.125 → "0.13")
 * where Python rounds the exact binary value half-to-even (0.125 → "0.12"), so rounding is done on
 * the double's exact value with BigInt.
 */

/** `value` = mantissa × 2^exponent exactly. */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

export function formatFixed(value: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0)
    throw new RangeError(`formatFixed: digits must be a non-negative integer, got ${digits}`);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const negative = value < 0 || Object.is(value, -0);
  const { mantissa, exponent } = decompose(Math.abs(value));
  const scale = 10n ** BigInt(digits);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const numerator = mantissa * scale;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const twiceRemainder = (numerator % denominator) * 2n;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && scaled % 2n === 1n)) scaled += 1n;
  }
  const text = scaled.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${body}` : body;
}

/** Python's `'{:>{width}}'.format(text)`: widths count code points, not UTF-16 units. */
export function alignRight(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : ' '.repeat(width - length) + text;
}
