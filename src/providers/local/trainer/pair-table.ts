/**
 * A hash map from pairs of non-negative int32 (two word ids: a bigram) to int32, with open
 * addressing in typed arrays. A JavaScript Map would need a string key ("a b", built and hashed
 * for every token) or a number key beyond the small-integer range (boxed); this is several times
 * faster for the million lookups of a training set.
 */
export class PairTable {
  private first: Int32Array;
  private second: Int32Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.first = new Int32Array(slots).fill(-1);
    this.second = new Int32Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
  }

  private slot(a: number, b: number): number {
    let at = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) & this.mask;
    for (;;) {
      const key = this.first[at]!;
      if (key === -1 || (key === a && this.second[at] === b)) return at;
      at = (at + 1) & this.mask;
    }
  }

  /** The value for (a, b), or -1. */
  get(a: number, b: number): number {
    const at = this.slot(a, b);
    return this.first[at] === -1 ? -1 : this.values[at]!;
  }

  /** The value for (a, b); when absent, stores `value` and returns it. */
  intern(a: number, b: number, value: number): number {
    const at = this.slot(a, b);
    if (this.first[at] !== -1) return this.values[at]!;
    this.first[at] = a;
    this.second[at] = b;
    this.values[at] = value;
    if (++this.size * 2 > this.mask) this.grow();
    return value;
  }

  private grow(): void {
    const { first, second, values } = this;
    const slots = (this.mask + 1) * 2;
    this.first = new Int32Array(slots).fill(-1);
    this.second = new Int32Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < first.length; i++) {
      if (first[i] === -1) continue;
      const at = this.slot(first[i]!, second[i]!);
      this.first[at] = first[i]!;
      this.second[at] = second[i]!;
      this.values[at] = values[i]!;
    }
  }
}
