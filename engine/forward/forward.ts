// The instrumented forward pass: one run of the model's ONNX graph returning the requested hooks
// (default: all) as a ForwardCache, with optional ablation masks.
import type { Feed } from '../onnx/session.js';
import type { AblationMasks, ForwardCache, HookName, ModelConfig, Tensor } from '../types.js';
import { EngineInputError } from './engine-input-error.js';
import { MapForwardCache } from './forward-cache.js';
import {
  allHookNames, attnMaskInput, CAUSAL_MASK, ffnMaskInput, INPUT_IDS, POSITIONS, ROPE_COS, ROPE_SIN,
} from './forward-graph.js';
import type { LoadedModel } from './loaded-model.js';

export interface ForwardOptions {
  readonly masks?: AblationMasks;
  /** Hooks to return (default: every hook); `logits` is always included. */
  readonly hooks?: readonly HookName[];
}

/** Per-model constant run inputs, computed once: ones masks, RoPE tables, positions. */
interface RunConstants {
  readonly hookNames: ReadonlySet<string>;
  readonly onesMlp: Tensor;
  readonly onesHeads: Tensor;
  /** 0 .. capacity-1 (gpt2); grown on demand up to nCtx. */
  positions: BigInt64Array;
  /** [capacity, dHead] each (llama); grown on demand up to nCtx. */
  rope: { cos: Float32Array; sin: Float32Array } | null;
  readonly causal: Map<number, Tensor>;
}
const CONSTANTS = new WeakMap<LoadedModel, RunConstants>();

/**
 * Runs `ids` (1 <= T <= nCtx, each in [0, dVocab)) through the model. Hook shapes: engine/types.ts.
 * Throws EngineInputError for bad ids, masks or hook names.
 */
export async function forward(model: LoadedModel, ids: readonly number[], opts: ForwardOptions = {}): Promise<ForwardCache> {
  if (model.isDisposed) throw new EngineInputError(`model ${model.dir} was disposed`);
  const cfg = model.config;
  const T = ids.length;
  if (T < 1 || T > cfg.nCtx) throw new EngineInputError(`prompt length must be in [1, ${cfg.nCtx}]: got ${T}`);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= cfg.dVocab) {
      throw new EngineInputError(`token id at position ${i} must be an integer in [0, ${cfg.dVocab}): got ${id}`);
    }
  });
  const k = constantsOf(model, T);
  const fetches = opts.hooks ? [...new Set([...opts.hooks, 'logits'])] : undefined;
  for (const h of fetches ?? []) {
    if (!k.hookNames.has(h)) throw new EngineInputError(`unknown hook ${h}; e.g. blocks.0.hook_resid_pre, blocks.0.mlp.hook_post, logits`);
  }

  const feeds: Record<string, Feed> = {
    [INPUT_IDS]: { int64: BigInt64Array.from(ids, (x) => BigInt(x)), shape: [T] },
    [CAUSAL_MASK]: causalMask(k, T),
  };
  if (cfg.architecture === 'gpt2') feeds[POSITIONS] = { int64: k.positions.subarray(0, T), shape: [T] };
  if (k.rope) {
    feeds[ROPE_COS] = { data: k.rope.cos.subarray(0, T * cfg.dHead), shape: [T, cfg.dHead] };
    feeds[ROPE_SIN] = { data: k.rope.sin.subarray(0, T * cfg.dHead), shape: [T, cfg.dHead] };
  }
  for (let l = 0; l < cfg.nLayers; l++) {
    feeds[ffnMaskInput(l)] = maskFeed(opts.masks?.ffn?.get(l), k.onesMlp, `ffn mask of layer ${l}`);
    feeds[attnMaskInput(l)] = maskFeed(opts.masks?.attn?.get(l), k.onesHeads, `attention mask of layer ${l}`);
  }
  for (const [kind, map] of [['ffn', opts.masks?.ffn], ['attn', opts.masks?.attn]] as const) {
    for (const l of map?.keys() ?? []) {
      if (!Number.isInteger(l) || l < 0 || l >= cfg.nLayers) throw new EngineInputError(`${kind} mask layer must be in [0, ${cfg.nLayers}): got ${l}`);
    }
  }
  const out = await model.session.run(feeds, fetches);
  return new MapForwardCache([...ids], out);
}

function maskFeed(mask: Float32Array | undefined, ones: Tensor, what: string): Tensor {
  if (!mask) return ones;
  if (mask.length !== ones.data.length) throw new EngineInputError(`${what} must have ${ones.data.length} values: got ${mask.length}`);
  return { data: mask, shape: ones.shape };
}

function causalMask(k: RunConstants, T: number): Tensor {
  let m = k.causal.get(T);
  if (!m) {
    const data = new Float32Array(T * T);
    for (let q = 0; q < T; q++) data.fill(-Infinity, q * T + q + 1, (q + 1) * T);
    m = { data, shape: [T, T] };
    if (k.causal.size >= 64) k.causal.clear();
    k.causal.set(T, m);
  }
  return m;
}

/** The model's run constants, with positions/RoPE tables covering at least T positions. */
function constantsOf(model: LoadedModel, T: number): RunConstants {
  const cfg = model.config;
  let k = CONSTANTS.get(model);
  if (!k) {
    k = {
      hookNames: new Set(allHookNames(cfg)),
      onesMlp: { data: new Float32Array(cfg.dMlp).fill(1), shape: [cfg.dMlp] },
      onesHeads: { data: new Float32Array(cfg.nHeads * cfg.dHead).fill(1), shape: [cfg.nHeads * cfg.dHead] },
      positions: new BigInt64Array(0),
      rope: null,
      causal: new Map(),
    };
    CONSTANTS.set(model, k);
  }
  if (k.positions.length < T) {
    // Grow geometrically (a 128k-context model must not pay for 128k positions up front).
    const capacity = Math.min(cfg.nCtx, Math.max(T, 2 * k.positions.length, 256));
    k.positions = BigInt64Array.from({ length: capacity }, (_, i) => BigInt(i));
    k.rope = cfg.ropeTheta === null ? null : ropeTables(cfg, capacity);
  }
  return k;
}

/**
 * cos/sin of position * inv_freq, each frequency used twice (HF rotate-half layout): [nCtx, dHead]
 * for positions 0 .. nCtx-1.
 * inv_freq and the product are rounded to fp32 as in HF's (and llama2.c's) float32 code.
 */
function ropeTables(cfg: ModelConfig, nCtx: number): { cos: Float32Array; sin: Float32Array } {
  const { dHead } = cfg;
  const half = dHead / 2;
  const invFreqs = ropeInverseFrequencies(cfg);
  const cos = new Float32Array(nCtx * dHead);
  const sin = new Float32Array(nCtx * dHead);
  for (let i = 0; i < half; i++) {
    const invFreq = invFreqs[i];
    for (let p = 0; p < nCtx; p++) {
      const angle = Math.fround(p * invFreq);
      cos[p * dHead + i] = cos[p * dHead + i + half] = Math.cos(angle);
      sin[p * dHead + i] = sin[p * dHead + i + half] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** inv_freq[i] = theta^(-2i/dHead), fp32, then scaled as `cfg.ropeScaling` says: [dHead / 2]. */
function ropeInverseFrequencies(cfg: ModelConfig): Float32Array {
  const { dHead } = cfg;
  const theta = cfg.ropeTheta!; // called only when ropeTheta !== null
  const out = new Float32Array(dHead / 2);
  const s = cfg.ropeScaling;
  for (let i = 0; i < out.length; i++) {
    const f = Math.fround(1 / Math.fround(theta ** ((2 * i) / dHead)));
    if (s === null) {
      out[i] = f;
    } else if (s.type === 'linear') {
      out[i] = f / s.factor;
    } else {
      const wavelength = (2 * Math.PI) / f;
      const lowWavelength = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
      const highWavelength = s.originalMaxPositionEmbeddings / s.highFreqFactor;
      if (wavelength < highWavelength) out[i] = f;
      else if (wavelength > lowWavelength) out[i] = f / s.factor;
      else {
        const smooth = (s.originalMaxPositionEmbeddings / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        out[i] = (1 - smooth) * (f / s.factor) + smooth * f;
      }
    }
  }
  return out;
}
