import { IntList, type SparseVector } from './sparse-rows.js';

/**
 * Turns one text's term occurrences into a TF-IDF vector: counts into a dense scratch array,
 * then weights, block norms and scaling over the touched entries only.
 */
export class TfIdfBuilder {
  private readonly counts: Float64Array;
  private readonly touched = new IntList();
  private readonly charWeight: number;

  constructor(
    private readonly idf: Float32Array,
    private readonly wordCount: number,
    private readonly wordWeight: number,
  ) {
    this.counts = new Float64Array(idf.length);
    this.charWeight = Math.sqrt(Math.max(0, 1 - wordWeight ** 2));
  }

  add(at: number): void {
    if (this.counts[at] === 0) this.touched.push(at);
    this.counts[at]! += 1;
  }

  /** The vector of the terms added since the last call, in order of first occurrence. */
  finish(): SparseVector {
    const n = this.touched.length;
    const indices = this.touched.data.slice(0, n);
    const raw = new Float64Array(n);
    let wordNorm = 0;
    let charNorm = 0;
    for (let i = 0; i < n; i++) {
      const at = indices[i]!;
      const value = (1 + Math.log(this.counts[at]!)) * this.idf[at]!;
      this.counts[at] = 0;
      raw[i] = value;
      if (at < this.wordCount) wordNorm += value * value;
      else charNorm += value * value;
    }
    this.touched.length = 0;
    // A text with one block empty (all its words unknown, say) is scaled back to unit length,
    // so its margins are comparable with everyone else's.
    const total = Math.sqrt((wordNorm > 0 ? this.wordWeight ** 2 : 0) + (charNorm > 0 ? this.charWeight ** 2 : 0));
    const wordScale = wordNorm > 0 ? this.wordWeight / Math.sqrt(wordNorm) / total : 0;
    const charScale = charNorm > 0 ? this.charWeight / Math.sqrt(charNorm) / total : 0;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = raw[i]! * (indices[i]! < this.wordCount ? wordScale : charScale);
    return { indices, values };
  }
}
