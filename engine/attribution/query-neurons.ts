// Query neurons and layer-level query scores (method.md section 4): how much each earlier
// component of the residual stream feeds the key of a top value neuron, weighted by its score.
import { rowOf, type AttributionContext } from './context.js';
import { dot } from './score-rows.js';

export interface AttentionValueNeuron {
  readonly layer: number; readonly head: number; readonly dim: number; readonly position: number; readonly score: number;
}
export interface FfnValueNeuron { readonly layer: number; readonly neuron: number; readonly score: number }
export interface QueryNeuron { readonly layer: number; readonly neuron: number; readonly score: number }
export interface QueryLayers {
  /** Share of the embedding (token + position embeddings, i.e. h[-1]). */
  readonly embedding: number;
  /** In layer order. */
  readonly layers: { readonly layer: number; readonly attention: number; readonly ffn: number }[];
}

/**
 * Denominators below GUARD * ||x|| * ||key|| (x the residual the key reads) are treated as zero:
 * the neuron contributes no query terms (its shares would be numerically meaningless).
 */
export const QUERY_GUARD = 1e-6;

/**
 * key of attention neuron (l, j, k): column k of W_V[l][kv(j)] times ln1.w[l] [dModel]
 * (GPT-2 c_attn.weight[:, 2d + j*dh + k]; Llama v_proj.weight[kv*dh + k, :]; kv = j / group).
 */
export function attentionKey(ctx: AttributionContext, l: number, j: number, k: number): Float64Array {
  const { dModel: d, dHead: dh, nHeads, nKvHeads } = ctx.config;
  const kv = Math.floor(j / (nHeads / nKvHeads));
  const wV = ctx.model.weight(`blocks.${l}.attn.W_V`).data;
  const gamma = ctx.model.weight(`blocks.${l}.ln1.w`).data;
  const key = new Float64Array(d);
  for (let i = 0; i < d; i++) key[i] = wV[(kv * d + i) * dh + k] * gamma[i];
  return key;
}

/**
 * key of FFN neuron (l, n): column n of W_in[l] times ln2.w[l] [dModel]. GPT-2: c_fc. Llama: the
 * up_proj row (W_in), not gate_proj: up enters the coefficient linearly (silu(gate.x) * up.x),
 * so it is the input direction whose dot product scales m; the gate only gates it.
 */
export function ffnKey(ctx: AttributionContext, l: number, n: number): Float64Array {
  const { dModel: d, dMlp } = ctx.config;
  const wIn = ctx.model.weight(`blocks.${l}.mlp.W_in`).data;
  const gamma = ctx.model.weight(`blocks.${l}.ln2.w`).data;
  const key = new Float64Array(d);
  for (let i = 0; i < d; i++) key[i] = wIn[i * dMlp + n] * gamma[i];
  return key;
}

function guarded(z: number, x: ArrayLike<number>, key: ArrayLike<number>): boolean {
  return Math.abs(z) < QUERY_GUARD * Math.sqrt(dot(x, x)) * Math.sqrt(dot(key, key));
}

/**
 * FFN query neurons: s[i, n] = sum over attention value neurons u (layer l > i) of
 * (m[i][p, n] fc2_n . key_u / Z_u) * Imp_u with Z_u = h[l-1][p] . key_u. Returns every FFN
 * neuron's s as [nLayers * dMlp] (index i * dMlp + n).
 */
export async function ffnQueryScores(ctx: AttributionContext, units: readonly AttentionValueNeuron[]): Promise<Float64Array> {
  const { nLayers: L, dMlp, dModel: d } = ctx.config;
  const s = new Float64Array(L * dMlp);
  const used: { u: AttentionValueNeuron; key: Float32Array; weight: number }[] = [];
  for (const u of units) {
    const key = attentionKey(ctx, u.layer, u.head, u.dim);
    const h = rowOf(ctx.cache.get(`blocks.${u.layer}.hook_resid_pre`), u.position);
    const z = dot(h, key);
    if (guarded(z, h, key)) continue;
    used.push({ u, key: Float32Array.from(key), weight: u.score / z });
  }
  if (used.length === 0) return s;
  for (let i = 0; i < L - 1; i++) {
    const active = used.filter((x) => x.u.layer > i);
    if (active.length === 0) continue;
    const A = new Float32Array(active.length * d);
    active.forEach((x, r) => A.set(x.key, r * d));
    const proj = await ctx.projector.rowDot(A, ctx.model.weight(`blocks.${i}.mlp.W_out`).data);
    const post = ctx.cache.get(`blocks.${i}.mlp.hook_post`);
    active.forEach((x, r) => {
      const m = rowOf(post, x.u.position);
      for (let n = 0; n < dMlp; n++) s[i * dMlp + n] += m[n] * proj[r * dMlp + n] * x.weight;
    });
  }
  return s;
}

/** Components of h[upTo-1][pos] (embedding, A and F of layers < upTo), plus A[upTo] if `withAttn`. */
function components(ctx: AttributionContext, upTo: number, pos: number, withAttn: boolean): { embedding: Float32Array; attn: Float32Array[]; ffn: Float32Array[] } {
  const attn: Float32Array[] = [];
  const ffn: Float32Array[] = [];
  for (let i = 0; i < upTo; i++) {
    attn.push(rowOf(ctx.cache.get(`blocks.${i}.hook_attn_out`), pos));
    ffn.push(rowOf(ctx.cache.get(`blocks.${i}.hook_mlp_out`), pos));
  }
  if (withAttn) attn.push(rowOf(ctx.cache.get(`blocks.${upTo}.hook_attn_out`), pos));
  return { embedding: rowOf(ctx.cache.get('blocks.0.hook_resid_pre'), pos), attn, ffn };
}

function accumulate(out: { embedding: number; attention: Float64Array; ffn: Float64Array }, comps: ReturnType<typeof components>,
  key: ArrayLike<number>, x: ArrayLike<number>, imp: number): void {
  const e = dot(comps.embedding, key);
  const a = comps.attn.map((c) => dot(c, key));
  const f = comps.ffn.map((c) => dot(c, key));
  const total = e + a.reduce((p, q) => p + q, 0) + f.reduce((p, q) => p + q, 0);
  if (guarded(total, x, key)) return;
  out.embedding += (e / total) * imp;
  a.forEach((v, i) => (out.attention[i] += (v / total) * imp));
  f.forEach((v, i) => (out.ffn[i] += (v / total) * imp));
}

function toQueryLayers(acc: { embedding: number; attention: Float64Array; ffn: Float64Array }): QueryLayers {
  return { embedding: acc.embedding, layers: Array.from(acc.attention, (a, l) => ({ layer: l, attention: a, ffn: acc.ffn[l] })) };
}

/**
 * Layer-level query scores for top FFN value neurons (key = W_in column * ln2.w, components of
 * r[l][T]: embedding, A and F of earlier layers, and A[l]) and for top attention value neurons
 * (attention key, components of h[l-1][p]). Each adds (component . key / sum of all) * Imp_u.
 */
export function layerQueryScores(ctx: AttributionContext, ffnUnits: readonly FfnValueNeuron[], attnUnits: readonly AttentionValueNeuron[]): { ffnValues: QueryLayers; attentionValues: QueryLayers } {
  const L = ctx.config.nLayers;
  const fresh = (): { embedding: number; attention: Float64Array; ffn: Float64Array } => ({ embedding: 0, attention: new Float64Array(L), ffn: new Float64Array(L) });
  const forFfn = fresh();
  for (const u of ffnUnits) {
    const x = rowOf(ctx.cache.get(`blocks.${u.layer}.hook_resid_mid`), ctx.T - 1);
    accumulate(forFfn, components(ctx, u.layer, ctx.T - 1, true), ffnKey(ctx, u.layer, u.neuron), x, u.score);
  }
  const forAttn = fresh();
  for (const u of attnUnits) {
    const x = rowOf(ctx.cache.get(`blocks.${u.layer}.hook_resid_pre`), u.position);
    accumulate(forAttn, components(ctx, u.layer, u.position, false), attentionKey(ctx, u.layer, u.head, u.dim), x, u.score);
  }
  return { ffnValues: toQueryLayers(forFfn), attentionValues: toQueryLayers(forAttn) };
}
