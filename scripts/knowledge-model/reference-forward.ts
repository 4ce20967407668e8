// A plain-TypeScript GPT-2 forward over Gpt2Weights (no ONNX), an independent check of the
// engine's forward in the tests; normalizeRow is also the generator's LayerNorm arithmetic.
import type { Gpt2Weights } from './gpt2-weights.js';

export const LN_EPS = 1e-5;

export interface ReferenceTrace {
  /** resid_pre[l]: [T, d] layer input h[l-1]. */
  readonly residPre: Float32Array[];
  /** resid_mid[l]: [T, d] r[l]. */
  readonly residMid: Float32Array[];
  /** post[l]: [T, dMlp] FFN coefficients m (only the layers that were run). */
  readonly post: Float32Array[];
  /** [d] h[L-1] at the last position (present when all layers ran). */
  readonly finalLast: Float32Array | null;
}

/** (x - mean) / sqrt(var + eps) of one row (biased variance), no weight or bias. */
export function normalizeRow(x: Float32Array, offset = 0, d = x.length - offset): Float32Array {
  let mean = 0;
  for (let i = 0; i < d; i++) mean += x[offset + i];
  mean /= d;
  let v = 0;
  for (let i = 0; i < d; i++) v += (x[offset + i] - mean) ** 2;
  const inv = 1 / Math.sqrt(v / d + LN_EPS);
  const out = new Float32Array(d);
  for (let i = 0; i < d; i++) out[i] = (x[offset + i] - mean) * inv;
  return out;
}

export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** rows [T, d] -> LayerNorm with weight/bias -> [T, d]. */
function layerNorm(x: Float32Array, T: number, d: number, w: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    const z = normalizeRow(x, t * d, d);
    for (let i = 0; i < d; i++) out[t * d + i] = z[i] * w[i] + b[i];
  }
  return out;
}

/** x [T, k] @ W [k, n] + b -> [T, n]. */
function matmul(x: Float32Array, T: number, k: number, W: Float32Array, n: number, b: Float32Array): Float32Array {
  const out = new Float32Array(T * n);
  for (let t = 0; t < T; t++) {
    const base = t * n;
    for (let j = 0; j < n; j++) out[base + j] = b[j];
    for (let i = 0; i < k; i++) {
      const xi = x[t * k + i];
      const wi = i * n;
      for (let j = 0; j < n; j++) out[base + j] += xi * W[wi + j];
    }
  }
  return out;
}

/** Runs layers [0, upTo) (default all) on `ids`; returns the residual trace. Slow (plain loops): tests only. */
export function referenceForward(w: Gpt2Weights, ids: readonly number[], upTo = w.shape.nLayers): ReferenceTrace {
  const { dModel: d, nHeads, dMlp } = w.shape;
  const dh = d / nHeads;
  const T = ids.length;
  let h = new Float32Array(T * d);
  ids.forEach((id, t) => {
    for (let i = 0; i < d; i++) h[t * d + i] = w.wte[id * d + i] + w.wpe[t * d + i];
  });
  const residPre: Float32Array[] = [];
  const residMid: Float32Array[] = [];
  const post: Float32Array[] = [];
  for (let l = 0; l < upTo; l++) {
    const b = w.blocks[l];
    residPre.push(h);
    const x1 = layerNorm(h, T, d, b.ln1w, b.ln1b);
    const qkv = matmul(x1, T, d, b.attnW, 3 * d, b.attnB);
    const z = new Float32Array(T * d);
    const scale = 1 / Math.sqrt(dh);
    for (let j = 0; j < nHeads; j++) {
      for (let q = 0; q < T; q++) {
        const scores = new Float64Array(q + 1);
        let max = -Infinity;
        for (let p = 0; p <= q; p++) {
          let s = 0;
          for (let k = 0; k < dh; k++) s += qkv[q * 3 * d + j * dh + k] * qkv[p * 3 * d + d + j * dh + k];
          scores[p] = s * scale;
          if (scores[p] > max) max = scores[p];
        }
        let sum = 0;
        for (let p = 0; p <= q; p++) sum += (scores[p] = Math.exp(scores[p] - max));
        for (let p = 0; p <= q; p++) {
          const a = scores[p] / sum;
          for (let k = 0; k < dh; k++) z[q * d + j * dh + k] += a * qkv[p * 3 * d + 2 * d + j * dh + k];
        }
      }
    }
    const attnOut = matmul(z, T, d, b.projW, d, b.projB);
    const mid = new Float32Array(T * d);
    for (let i = 0; i < T * d; i++) mid[i] = h[i] + attnOut[i];
    residMid.push(mid);
    const x2 = layerNorm(mid, T, d, b.ln2w, b.ln2b);
    const pre = matmul(x2, T, d, b.fcW, dMlp, b.fcB);
    for (let i = 0; i < pre.length; i++) pre[i] = geluNew(pre[i]);
    post.push(pre);
    const mlpOut = matmul(pre, T, dMlp, b.outW, d, b.outB);
    h = new Float32Array(T * d);
    for (let i = 0; i < T * d; i++) h[i] = mid[i] + mlpOut[i];
  }
  const finalLast = upTo === w.shape.nLayers ? h.slice((T - 1) * d, T * d) : null;
  return { residPre, residMid, post, finalLast };
}

/** Logits [dVocab] of the model's real final LayerNorm applied to h[L-1] at the last position. */
export function referenceLogits(w: Gpt2Weights, finalLast: Float32Array): Float32Array {
  const { dModel: d, dVocab } = w.shape;
  const z = normalizeRow(finalLast);
  const x = new Float32Array(d);
  for (let i = 0; i < d; i++) x[i] = z[i] * w.lnfW[i] + w.lnfB[i];
  const logits = new Float32Array(dVocab);
  for (let t = 0; t < dVocab; t++) {
    let s = 0;
    const off = t * d;
    for (let i = 0; i < d; i++) s += w.wte[off + i] * x[i];
    logits[t] = s;
  }
  return logits;
}
