// Test-only, independent computation of method.md §3 for FFN neurons at the last position:
// phi with the final LayerNorm's scale frozen at h[L-1][T], Imp(v) = log p(w|x+v) - log p(w|x),
// x = r[l][T], v = m[T,n] * fc2_n. Exact scores where needed, the Jensen bound to prune.
import type { ForwardCache, LoadedModel } from '../../engine/index.js';

export interface PlantedRank {
  /** 1 + number of FFN neurons (all layers) with a larger Imp than the planted one. Capped at cap+1. */
  readonly rank: number;
  readonly imp: number;
}

/** Rank of FFN neuron (layer, neuron) by log-probability increase of token w at the last position. */
export function rankOfFfnNeuron(model: LoadedModel, cache: ForwardCache, w: number, planted: { layer: number; neuron: number }, cap = 3): PlantedRank {
  const { nLayers: L, dModel: d, dMlp, dVocab: V } = model.config;
  const T = cache.ids.length;
  const WU = model.weight('unembed.W_U').data;
  const gamma = model.weight('ln_final.w').data;
  const hLast = row(cache.get(`blocks.${L - 1}.hook_resid_post`).data, T - 1, d);
  const mean = avg(hLast);
  let variance = 0;
  for (const x of hLast) variance += (x - mean) ** 2;
  const s = Math.sqrt(variance / d + 1e-5);

  /** phi(v) [V]. */
  const phi = (v: Float32Array): Float32Array => {
    const m = avg(v);
    const c = new Float32Array(d);
    for (let i = 0; i < d; i++) c[i] = (gamma[i] * (v[i] - m)) / s;
    const out = new Float32Array(V);
    for (let t = 0; t < V; t++) {
      let acc = 0;
      const o = t * d;
      for (let i = 0; i < d; i++) acc += WU[o + i] * c[i];
      out[t] = acc;
    }
    return out;
  };

  interface Layer { P: Float64Array; fc2: Float32Array; m: Float32Array; gc: Float64Array }
  const layers: Layer[] = [];
  for (let l = 0; l < L; l++) {
    const z = phi(row(cache.get(`blocks.${l}.hook_resid_mid`).data, T - 1, d));
    let max = -Infinity;
    for (const x of z) if (x > max) max = x;
    const P = new Float64Array(V);
    let sum = 0;
    for (let t = 0; t < V; t++) sum += (P[t] = Math.exp(z[t] - max));
    for (let t = 0; t < V; t++) P[t] /= sum;
    // g = gamma * W_U^T (e_w - P) / s, centred (phi centres v).
    const g = new Float64Array(d);
    for (let t = 0; t < V; t++) {
      const c = (t === w ? 1 : 0) - P[t];
      const o = t * d;
      for (let i = 0; i < d; i++) g[i] += c * WU[o + i];
    }
    for (let i = 0; i < d; i++) g[i] = (g[i] * gamma[i]) / s;
    const gm = avg(g);
    for (let i = 0; i < d; i++) g[i] -= gm;
    layers.push({ P, fc2: model.weight(`blocks.${l}.mlp.W_out`).data, m: row(cache.get(`blocks.${l}.mlp.hook_post`).data, T - 1, dMlp), gc: g });
  }
  const vec = (l: number, n: number): Float32Array => {
    const v = new Float32Array(d);
    for (let i = 0; i < d; i++) v[i] = layers[l].m[n] * layers[l].fc2[n * d + i];
    return v;
  };
  const exact = (l: number, n: number): number => {
    const dv = phi(vec(l, n));
    const { P } = layers[l];
    let max = -Infinity;
    for (const x of dv) if (x > max) max = x;
    let acc = 0;
    for (let t = 0; t < V; t++) acc += P[t] * Math.exp(dv[t] - max);
    return dv[w] - (max + Math.log(acc));
  };
  const imp = exact(planted.layer, planted.neuron);
  const candidates: { l: number; n: number; bound: number }[] = [];
  for (let l = 0; l < L; l++) {
    for (let n = 0; n < dMlp; n++) {
      if (l === planted.layer && n === planted.neuron) continue;
      let b = 0;
      for (let i = 0; i < d; i++) b += layers[l].fc2[n * d + i] * layers[l].gc[i];
      b *= layers[l].m[n];
      if (b > imp) candidates.push({ l, n, bound: b });
    }
  }
  candidates.sort((a, b) => b.bound - a.bound);
  let above = 0;
  for (const c of candidates) {
    if (exact(c.l, c.n) > imp && ++above > cap) break;
  }
  return { rank: 1 + above, imp };
}

function row(data: Float32Array, r: number, n: number): Float32Array {
  return data.slice(r * n, (r + 1) * n);
}

function avg(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}
