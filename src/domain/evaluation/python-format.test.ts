import { describe, expect, it } from 'vitest';
import { alignRight, formatFixed } from './python-format.js';

describe('formatFixed', () => {
  // Expected strings are Python's format(value, '.{digits}f').
  it.each([
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [0.625, 2, '0.62'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [0.5, 0, '0'],
    [1.5, 0, '2'],
    [0.1 + 0.2, 2, '0.30'],
    [1e-7, 2, '0.00'],
    [0.005, 2, '0.01'],
    [0.015, 2, '0.01'],
    [0.045, 2, '0.04'],
    [123456.789, 1, '123456.8'],
    [2 / 3, 4, '0.6667'],
    [-0.001, 2, '-0.00'],
    [1e22, 2, '10000000000000000000000.00'],
    [5e-324, 3, '0.000'],
  ])('formats %s with %i digits as %s', (value, digits, expected) => {
    expect(formatFixed(value, digits)).toBe(expected);
  });

  it('breaks exact ties to even where toFixed rounds up', () => {
    expect((0.125).toFixed(2)).toBe('0.13');
    expect(formatFixed(0.125, 2)).toBe('0.12');
  });

  it('prints NaN and infinities as Python does', () => {
    expect(formatFixed(Number.NaN, 2)).toBe('nan');
    expect(formatFixed(Number.POSITIVE_INFINITY, 2)).toBe('inf');
    expect(formatFixed(Number.NEGATIVE_INFINITY, 2)).toBe('-inf');
  });

  it('rejects a negative or fractional digit count', () => {
    expect(() => formatFixed(1, -1)).toThrow(RangeError);
    expect(() => formatFixed(1, 1.5)).toThrow(RangeError);
  });
});

describe('alignRight', () => {
  it('pads to the width in code points and never truncates', () => {
    expect(alignRight('ab', 4)).toBe('  ab');
    expect(alignRight('abcdef', 4)).toBe('abcdef');
    expect(alignRight('😀', 3)).toBe('  😀');
  });
});
