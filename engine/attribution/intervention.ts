// Interventions (method.md section 6): zero FFN and/or attention neurons at every position through
// the forward pass's ablation masks and compare the target before and after.
import { forward } from '../forward/forward.js';
import type { LoadedModel } from '../forward/loaded-model.js';
import type { AblationMasks, ForwardCache } from '../types.js';
import { AttributionError } from './attribution-error.js';
import { rowOf } from './context.js';
import { logSoftmax, rankOf } from './log-softmax.js';
import { checkPrompt, checkTargetId } from './target.js';

export interface FfnNeuronRef { readonly layer: number; readonly neuron: number }
/** An attention neuron's parameters (row j*dHead+k of W_O): ablation covers every source position. */
export interface AttentionNeuronRef { readonly layer: number; readonly head: number; readonly dim: number }

export interface TargetStats { readonly prob: number; readonly logProb: number; readonly rank: number }
export interface InterventionResult {
  readonly target: number;
  readonly before: TargetStats;
  readonly after: TargetStats;
}

/** Masks zeroing the given neurons; throws AttributionError BAD_NEURON for an index out of range. */
export function ablationMasks(model: LoadedModel, ffn: readonly FfnNeuronRef[], attention: readonly AttentionNeuronRef[]): AblationMasks {
  const { nLayers: L, dMlp, nHeads: H, dHead: dh } = model.config;
  const check = (what: string, v: number, max: number): void => {
    if (!Number.isInteger(v) || v < 0 || v >= max) throw new AttributionError('BAD_NEURON', `${what} must be an integer in [0, ${max}): got ${v}`);
  };
  const ffnMasks = new Map<number, Float32Array>();
  for (const n of ffn) {
    check('FFN layer', n.layer, L);
    check('FFN neuron', n.neuron, dMlp);
    let m = ffnMasks.get(n.layer);
    if (!m) ffnMasks.set(n.layer, (m = new Float32Array(dMlp).fill(1)));
    m[n.neuron] = 0;
  }
  const attnMasks = new Map<number, Float32Array>();
  for (const a of attention) {
    check('attention layer', a.layer, L);
    check('attention head', a.head, H);
    check('attention dim', a.dim, dh);
    let m = attnMasks.get(a.layer);
    if (!m) attnMasks.set(a.layer, (m = new Float32Array(H * dh).fill(1)));
    m[a.head * dh + a.dim] = 0;
  }
  return { ffn: ffnMasks, attn: attnMasks };
}

/** prob, log prob and 1-based rank of `target` in the real logits at the last position. */
export function targetStats(cache: ForwardCache, target: number): TargetStats {
  const lp = logSoftmax(rowOf(cache.get('logits'), cache.ids.length - 1));
  return { prob: Math.exp(lp[target]), logProb: lp[target], rank: rankOf(lp, target) };
}

/** Runs `ids` with and without the neurons zeroed (at all positions) and reports the target. */
export async function intervene(model: LoadedModel, ids: readonly number[], target: number,
  neurons: { readonly ffn?: readonly FfnNeuronRef[]; readonly attention?: readonly AttentionNeuronRef[] }): Promise<InterventionResult> {
  checkPrompt(model.config, ids);
  checkTargetId(model.config, target);
  const masks = ablationMasks(model, neurons.ffn ?? [], neurons.attention ?? []);
  const before = await forward(model, ids, { hooks: ['logits'] });
  const after = await forward(model, ids, { hooks: ['logits'], masks });
  return { target, before: targetStats(before, target), after: targetStats(after, target) };
}
