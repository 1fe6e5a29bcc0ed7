/**
 * Interned character n-grams, looked up by position in a padded word rather than as strings.
 * A Map<string> lookup needs the gram as a fresh string (a slice, then its hash), which for
 * the million grams of a corpus is most of the time spent building the vocabulary; here the
 * hash runs over the word's char codes and a match is confirmed in place, so only new grams
 * are ever sliced.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

export class GramTable {
  /** Grams by id. */
  readonly grams: string[] = [];
  private slots: Int32Array;
  private mask: number;

  constructor(capacity = 1 << 12) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  get size(): number {
    return this.grams.length;
  }

  /** Id of `text.slice(start, end)`, or -1. */
  find(text: string, start: number, end: number): number {
    return this.slots[this.slot(text, start, end)]!;
  }

  /** Id of `text.slice(start, end)`, added when new. */
  intern(text: string, start: number, end: number): number {
    const at = this.slot(text, start, end);
    const found = this.slots[at]!;
    if (found >= 0) return found;
    const id = this.grams.length;
    this.grams.push(text.slice(start, end));
    this.slots[at] = id;
    if (this.grams.length * 2 > this.mask) this.grow();
    return id;
  }

  /** Ids of a padded word's grams of `min`..`max` code points, by `intern` or `find` (-1 dropped). */
  gramsOf(padded: string, min: number, max: number, add: boolean, into: number[]): number[] {
    if (!SURROGATE.test(padded)) {
      for (let n = min; n <= Math.min(max, padded.length); n++) {
        for (let i = 0; i + n <= padded.length; i++) {
          const id = add ? this.intern(padded, i, i + n) : this.find(padded, i, i + n);
          if (id >= 0) into.push(id);
        }
      }
      return into;
    }
    // Code-unit offsets of each code point, so a gram never splits a surrogate pair.
    const bounds = [0];
    for (const point of padded) bounds.push(bounds[bounds.length - 1]! + point.length);
    const points = bounds.length - 1;
    for (let n = min; n <= Math.min(max, points); n++) {
      for (let i = 0; i + n <= points; i++) {
        const id = add
          ? this.intern(padded, bounds[i]!, bounds[i + n]!)
          : this.find(padded, bounds[i]!, bounds[i + n]!);
        if (id >= 0) into.push(id);
      }
    }
    return into;
  }

  private slot(text: string, start: number, end: number): number {
    // FNV-1a over UTF-16 code units, then murmur3's finaliser so the low bits are well mixed.
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    hash ^= hash >>> 16;
    let at = hash & this.mask;
    const length = end - start;
    for (;;) {
      const id = this.slots[at]!;
      if (id < 0) return at;
      const gram = this.grams[id]!;
      if (gram.length === length && sameChars(gram, text, start)) return at;
      at = (at + 1) & this.mask;
    }
  }

  private grow(): void {
    this.slots = new Int32Array((this.mask + 1) * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (const [id, gram] of this.grams.entries()) this.slots[this.slot(gram, 0, gram.length)] = id;
  }
}

function sameChars(gram: string, text: string, start: number): boolean {
  for (let i = 0; i < gram.length; i++) if (gram.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
