/** Rows of sparse vectors, and the growable list they are built with. */

/** Rows of sparse vectors in CSR form: row i is `indices/values[offsets[i] .. offsets[i + 1])`. */
export interface SparseRows {
  offsets: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** A growable int32 list. */
export class IntList {
  data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

/** Packs vectors into CSR rows. */
export function toRows(vectors: readonly SparseVector[]): SparseRows {
  const offsets = new Int32Array(vectors.length + 1);
  for (const [i, vector] of vectors.entries()) offsets[i + 1] = offsets[i]! + vector.indices.length;
  const indices = new Int32Array(offsets[vectors.length]!);
  const values = new Float32Array(indices.length);
  vectors.forEach((vector, i) => {
    indices.set(vector.indices, offsets[i]);
    values.set(vector.values, offsets[i]);
  });
  return { offsets, indices, values };
}

/** `a`'s rows, then `b`'s. */
export function concatRows(a: SparseRows, b: SparseRows): SparseRows {
  const offsets = new Int32Array(a.offsets.length + b.offsets.length - 1);
  offsets.set(a.offsets);
  const base = a.offsets[a.offsets.length - 1]!;
  for (let i = 1; i < b.offsets.length; i++) offsets[a.offsets.length - 1 + i] = base + b.offsets[i]!;
  const indices = new Int32Array(a.indices.length + b.indices.length);
  indices.set(a.indices);
  indices.set(b.indices, a.indices.length);
  const values = new Float32Array(indices.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  return { offsets, indices, values };
}
