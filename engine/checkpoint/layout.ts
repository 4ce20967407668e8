// Layout transforms from Hugging Face tensors to the canonical shapes of engine/types.ts.
// Load-time only (one pass per tensor); every function returns a fresh array.

/** [rows, cols] -> [cols, rows]. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const B = 32; // blocked for cache locality
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = src[base + c];
      }
    }
  }
  return out;
}

/**
 * Columns [offset, offset + nHeads*dHead) of a [rows, cols] matrix (GPT-2 Conv1D c_attn: [in, out])
 * as [nHeads, rows, dHead]: out[h, i, k] = src[i, offset + h*dHead + k].
 */
export function columnsToHeads(
  src: Float32Array, rows: number, cols: number, offset: number, nHeads: number, dHead: number,
): Float32Array {
  const out = new Float32Array(nHeads * rows * dHead);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < rows; i++) {
      const from = i * cols + offset + h * dHead;
      out.set(src.subarray(from, from + dHead), (h * rows + i) * dHead);
    }
  }
  return out;
}

/**
 * A [nHeads*dHead, cols] nn.Linear weight ([out, in]) as [nHeads, cols, dHead]:
 * out[h, i, k] = src[h*dHead + k, i].
 */
export function rowsToHeads(src: Float32Array, nHeads: number, dHead: number, cols: number): Float32Array {
  const out = new Float32Array(nHeads * cols * dHead);
  for (let h = 0; h < nHeads; h++) {
    const head = transpose2d(src.subarray(h * dHead * cols, (h + 1) * dHead * cols), dHead, cols);
    out.set(head, h * cols * dHead);
  }
  return out;
}

/** A fresh copy of `src[from, from + count)`. */
export function sliceCopy(src: Float32Array, from: number, count: number): Float32Array {
  return src.slice(from, from + count);
}
