// Vocabulary projection of neuron subvalues (the paper's "what does this neuron write"): the raw
// subvalue through the unembedding, W_U u, by default WITHOUT the final norm (as the paper's
// notebooks do); `applyFinalNormWeight` multiplies u by ln_final.w first (TransformerLens's
// folded W_U). No centring and no frozen scale: logits are per-neuron, not per-prompt.
import { AttributionError } from './attribution-error.js';
import type { AttributionModel } from './context.js';
import { checkK } from './target.js';

export type NeuronRef =
  | { readonly kind: 'ffn'; readonly layer: number; readonly neuron: number }
  | { readonly kind: 'attention'; readonly layer: number; readonly head: number; readonly dim: number };

export interface TokenLogit { readonly id: number; readonly logit: number }
export interface NeuronProjection { readonly top: TokenLogit[]; readonly bottom: TokenLogit[] }
export interface ProjectionOptions { readonly applyFinalNormWeight?: boolean }

function bad(what: string, v: number, max: number): never {
  throw new AttributionError('BAD_NEURON', `${what} must be an integer in [0, ${max}): got ${v}`);
}
const inRange = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v < max;

/** The subvalue [dModel] of a neuron: W_out[l] row n, or W_O[l] row j*dHead+k. Throws BAD_NEURON. */
export function subvalue(model: AttributionModel, ref: NeuronRef): Float32Array {
  const { nLayers: L, dMlp, nHeads: H, dHead: dh, dModel: d } = model.config;
  if (!inRange(ref.layer, L)) bad('layer', ref.layer, L);
  if (ref.kind === 'ffn') {
    if (!inRange(ref.neuron, dMlp)) bad('neuron', ref.neuron, dMlp);
    return model.weight(`blocks.${ref.layer}.mlp.W_out`).data.subarray(ref.neuron * d, (ref.neuron + 1) * d);
  }
  if (!inRange(ref.head, H)) bad('head', ref.head, H);
  if (!inRange(ref.dim, dh)) bad('dim', ref.dim, dh);
  const r = ref.head * dh + ref.dim;
  return model.weight(`blocks.${ref.layer}.attn.W_O`).data.subarray(r * d, (r + 1) * d);
}

function prepare(model: AttributionModel, rows: Float32Array, opts: ProjectionOptions): Float32Array {
  if (!opts.applyFinalNormWeight) return rows;
  const d = model.config.dModel;
  const gamma = model.weight('ln_final.w').data;
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i] * gamma[i % d];
  return out;
}

/** Top and bottom k tokens (by logit of W_U u) of one neuron's subvalue. Throws BAD_NEURON / K_OUT_OF_RANGE. */
export async function projectNeuron(model: AttributionModel, ref: NeuronRef, k: number, opts: ProjectionOptions = {}): Promise<NeuronProjection> {
  const V = model.config.dVocab;
  checkK(k, V);
  const tb = await model.projector.topK(prepare(model, Float32Array.from(subvalue(model, ref)), opts), k);
  return {
    top: Array.from(tb.topIndices, (id, i) => ({ id, logit: tb.topValues[i] })),
    bottom: Array.from(tb.bottomIndices, (id, i) => ({ id, logit: tb.bottomValues[i] })),
  };
}

/** Per-layer block of the bulk pass: [rows, k] ids and logits, row r = the layer's neuron r. */
export interface LayerProjection {
  readonly layer: number;
  readonly topIds: Int32Array;
  readonly topLogits: Float32Array;
  readonly bottomIds: Int32Array;
  readonly bottomLogits: Float32Array;
}

/** Which neurons a bulk pass projects: FFN rows of W_out, or attention rows of W_O (row j*dHead+k). */
export type NeuronKind = NeuronRef['kind'];

const BULK_ROWS = 512;

/**
 * Top/bottom k tokens of every neuron of one kind in one layer: FFN row n = neuron n, attention
 * row j*dHead+k = (head j, dim k), the same rows `subvalue` reads. One ONNX MatMul + TopK per 512
 * rows. Throws BAD_NEURON (layer) / K_OUT_OF_RANGE.
 */
export async function bulkProjectLayer(model: AttributionModel, kind: NeuronKind, layer: number, k: number,
  opts: ProjectionOptions = {}): Promise<LayerProjection> {
  const { nLayers: L, dMlp, nHeads: H, dHead: dh, dModel: d, dVocab: V } = model.config;
  checkK(k, V);
  if (!inRange(layer, L)) bad('layer', layer, L);
  const w = model.weight(kind === 'ffn' ? `blocks.${layer}.mlp.W_out` : `blocks.${layer}.attn.W_O`).data;
  const rows = kind === 'ffn' ? dMlp : H * dh;
  const projector = model.projector;
  const p = {
    layer, topIds: new Int32Array(rows * k), topLogits: new Float32Array(rows * k),
    bottomIds: new Int32Array(rows * k), bottomLogits: new Float32Array(rows * k),
  };
  for (let start = 0; start < rows; start += BULK_ROWS) {
    const n = Math.min(BULK_ROWS, rows - start);
    const tb = await projector.topK(prepare(model, w.subarray(start * d, (start + n) * d), opts), k);
    p.topIds.set(tb.topIndices, start * k);
    p.topLogits.set(tb.topValues, start * k);
    p.bottomIds.set(tb.bottomIndices, start * k);
    p.bottomLogits.set(tb.bottomValues, start * k);
  }
  return p;
}

/**
 * Top/bottom k tokens of every neuron of one kind, layer by layer (`onLayer` receives each layer
 * as soon as it is done, so callers can stream it to storage).
 */
export async function bulkProject(model: AttributionModel, kind: NeuronKind, k: number, opts: ProjectionOptions = {},
  onLayer?: (p: LayerProjection) => void | Promise<void>): Promise<LayerProjection[]> {
  const out: LayerProjection[] = [];
  for (let l = 0; l < model.config.nLayers; l++) {
    const p = await bulkProjectLayer(model, kind, l, k, opts);
    if (onLayer) await onLayer(p);
    out.push(p);
  }
  return out;
}
