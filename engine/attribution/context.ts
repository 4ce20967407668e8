// Everything the scores of one (prompt, target) share: the frozen final norm, the baseline
// distributions p(. | x) at every residual point x scored against, and their Jensen directions.
import type { VocabProjector } from '../onnx/projection.js';
import type { ForwardCache, ModelConfig, Tensor } from '../types.js';
import { applyFrozenNorm, freezeFinalNorm, jensenDirection, type FrozenNorm } from './frozen-norm.js';
import { logSoftmax } from './log-softmax.js';

/**
 * What attribution reads from a model: its config, canonical weights (engine/types.ts) and its
 * vocabulary projector (LoadedModel owns one and releases it with the model).
 */
export interface AttributionModel {
  readonly config: ModelConfig;
  weight(name: string): Tensor;
  readonly projector: VocabProjector;
}

/**
 * Baseline rows: base 2l is h[l-1][T] (blocks.l.hook_resid_pre: attention neurons of layer l),
 * base 2l+1 is r[l][T] (blocks.l.hook_resid_mid: FFN neurons of layer l), base 2L is the uniform
 * distribution (baseline b, log p(w | v) alone = score against uniform - log V).
 */
export const attnBase = (l: number): number => 2 * l;
export const ffnBase = (l: number): number => 2 * l + 1;

export interface AttributionContext {
  readonly model: AttributionModel;
  readonly config: ModelConfig;
  readonly cache: ForwardCache;
  /** Number of prompt tokens; the scored position is T - 1. */
  readonly T: number;
  readonly target: number;
  readonly norm: FrozenNorm;
  readonly projector: VocabProjector;
  /** log p(. | x_b) for every base b [(2L + 1) * V], float32 for the score graph. */
  readonly logP: Float32Array;
  /** log p(w | x_b) per base [2L + 1], float64. */
  readonly logPw: Float64Array;
  /** Jensen direction g_b [dModel] per base: Imp(v) <= v . g_b. */
  readonly g: readonly Float64Array[];
  readonly uniformBase: number;
}

/** Row `t` of a [T, n] hook as a view. */
export function rowOf(t: Tensor, row: number): Float32Array {
  const n = t.shape[t.shape.length - 1];
  return t.data.subarray(row * n, (row + 1) * n);
}

/** Builds the context; 2L + 1 projections plus one back-projection. */
export async function buildContext(model: AttributionModel, cache: ForwardCache, target: number): Promise<AttributionContext> {
  const config = model.config;
  const { nLayers: L, dModel: d, dVocab: V } = config;
  const T = cache.ids.length;
  const last = T - 1;
  const hFinal = rowOf(cache.get(`blocks.${L - 1}.hook_resid_post`), last);
  const norm = freezeFinalNorm(config, hFinal, model.weight('ln_final.w').data);
  const projector = model.projector;
  const B = 2 * L + 1;
  const U = new Float32Array((B - 1) * d);
  for (let l = 0; l < L; l++) {
    applyFrozenNorm(norm, rowOf(cache.get(`blocks.${l}.hook_resid_pre`), last), U.subarray(attnBase(l) * d, (attnBase(l) + 1) * d));
    applyFrozenNorm(norm, rowOf(cache.get(`blocks.${l}.hook_resid_mid`), last), U.subarray(ffnBase(l) * d, (ffnBase(l) + 1) * d));
  }
  const z = await projector.project(U);
  const logP = new Float32Array(B * V);
  const P = new Float32Array(B * V);
  const logPw = new Float64Array(B);
  for (let b = 0; b < B - 1; b++) {
    const lp = logSoftmax(z.subarray(b * V, (b + 1) * V));
    logP.set(lp, b * V);
    for (let t = 0; t < V; t++) P[b * V + t] = Math.exp(lp[t]);
    logPw[b] = lp[target];
  }
  logP.fill(-Math.log(V), (B - 1) * V);
  P.fill(1 / V, (B - 1) * V);
  logPw[B - 1] = -Math.log(V);
  const wtp = await projector.backProject(P);
  const Wu = model.weight('unembed.W_U').data;
  const g: Float64Array[] = [];
  const diff = new Float64Array(d);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < d; i++) diff[i] = Wu[target * d + i] - wtp[b * d + i];
    g.push(jensenDirection(norm, diff));
  }
  return { model, config, cache, T, target, norm, projector, logP, logPw, g, uniformBase: B - 1 };
}
