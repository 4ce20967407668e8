// Layer, head and head-by-position log-prob increases (method.md section 3 table), exact.
import { attnBase, ffnBase, rowOf, type AttributionContext } from './context.js';
import { scoreRows } from './score-rows.js';

export interface LayerScore { readonly layer: number; readonly attention: number; readonly ffn: number }
export interface HeadScore { readonly layer: number; readonly head: number; readonly score: number }
export interface HeadPositionScore extends HeadScore { readonly position: number }

export interface LayerLevelScores {
  /** In layer order. */
  readonly layers: LayerScore[];
  /** In (layer, head) order. */
  readonly heads: HeadScore[];
  /** In (layer, head, position) order; empty unless requested. */
  readonly headPositions: HeadPositionScore[];
}

/**
 * A[l][T] against h[l-1][T] and F[l][T] against r[l][T] (with biases); head (l, j) =
 * sum_k sum_p alpha v W_O[j, k] against h[l-1][T]; optionally each head at each source position.
 */
export async function layerLevelScores(ctx: AttributionContext, withHeadPositions: boolean): Promise<LayerLevelScores> {
  const { nLayers: L, nHeads: H, dHead: dh, dModel: d } = ctx.config;
  const T = ctx.T;
  const last = T - 1;
  const vectors: Float32Array[] = [];
  const base: number[] = [];
  for (let l = 0; l < L; l++) {
    vectors.push(rowOf(ctx.cache.get(`blocks.${l}.hook_attn_out`), last), rowOf(ctx.cache.get(`blocks.${l}.hook_mlp_out`), last));
    base.push(attnBase(l), ffnBase(l));
  }
  const nHeadRows = withHeadPositions ? L * H * (T + 1) : L * H;
  for (let l = 0; l < L; l++) {
    const wvl = ctx.cache.get(`blocks.${l}.attn.hook_weighted_v_last`).data;
    const wO = ctx.model.weight(`blocks.${l}.attn.W_O`).data;
    for (let j = 0; j < H; j++) {
      const perPos: Float64Array[] = [];
      const head = new Float64Array(d);
      for (let k = 0; k < dh; k++) {
        let c = 0;
        for (let p = 0; p < T; p++) c += wvl[(j * T + p) * dh + k];
        const o = (j * dh + k) * d;
        for (let i = 0; i < d; i++) head[i] += c * wO[o + i];
      }
      for (let p = 0; withHeadPositions && p < T; p++) {
        const v = new Float64Array(d);
        for (let k = 0; k < dh; k++) {
          const c = wvl[(j * T + p) * dh + k];
          const o = (j * dh + k) * d;
          for (let i = 0; i < d; i++) v[i] += c * wO[o + i];
        }
        perPos.push(v);
      }
      vectors.push(Float32Array.from(head));
      base.push(attnBase(l));
      if (withHeadPositions) {
        for (const v of perPos) {
          vectors.push(Float32Array.from(v));
          base.push(attnBase(l));
        }
      }
    }
  }
  const dir = Int32Array.from(vectors.keys());
  const s = await scoreRows(ctx, { dir, c: new Float64Array(vectors.length).fill(1), base }, (i) => vectors[i]);
  const layers: LayerScore[] = [];
  for (let l = 0; l < L; l++) layers.push({ layer: l, attention: s[2 * l], ffn: s[2 * l + 1] });
  const heads: HeadScore[] = [];
  const headPositions: HeadPositionScore[] = [];
  let r = 2 * L;
  for (let l = 0; l < L; l++) {
    for (let j = 0; j < H; j++) {
      heads.push({ layer: l, head: j, score: s[r++] });
      if (withHeadPositions) for (let p = 0; p < T; p++) headPositions.push({ layer: l, head: j, position: p, score: s[r++] });
    }
  }
  if (r !== 2 * L + nHeadRows) throw new Error('internal: layer-level row count');
  return { layers, heads, headPositions };
}
