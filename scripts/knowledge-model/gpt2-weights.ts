// A GPT-2 checkpoint under construction, held in Hugging Face layout (Conv1D weights [in, out]):
// the generator plants its mechanism here and the reference forward reads it.
import type { TensorToWrite } from '../../engine/checkpoint/write-safetensors.js';

export interface Gpt2Shape {
  readonly nLayers: number;
  readonly dModel: number;
  readonly nHeads: number;
  readonly dMlp: number;
  readonly nCtx: number;
  readonly dVocab: number;
}

export interface Gpt2Block {
  readonly ln1w: Float32Array; readonly ln1b: Float32Array;
  /** [d, 3d] columns q | k | v, head j at j*dHead. */
  readonly attnW: Float32Array; readonly attnB: Float32Array;
  /** [d, d] row j*dHead+k writes head j, dim k. */
  readonly projW: Float32Array; readonly projB: Float32Array;
  readonly ln2w: Float32Array; readonly ln2b: Float32Array;
  /** [d, dMlp] column n = key of neuron n. */
  readonly fcW: Float32Array; readonly fcB: Float32Array;
  /** [dMlp, d] row n = value (subvalue) of neuron n. */
  readonly outW: Float32Array; readonly outB: Float32Array;
}

export interface Gpt2Weights {
  readonly shape: Gpt2Shape;
  /** [dVocab, d], also the (tied) unembedding. */
  readonly wte: Float32Array;
  /** [nCtx, d] */
  readonly wpe: Float32Array;
  readonly blocks: Gpt2Block[];
  readonly lnfW: Float32Array; readonly lnfB: Float32Array;
}

/** Tensors under their Hugging Face names, in the order GPT-2 checkpoints list them. */
export function toHfTensors(w: Gpt2Weights): Map<string, TensorToWrite> {
  const { dModel: d, dMlp, nCtx, dVocab } = w.shape;
  const out = new Map<string, TensorToWrite>();
  out.set('transformer.wte.weight', { shape: [dVocab, d], data: w.wte });
  out.set('transformer.wpe.weight', { shape: [nCtx, d], data: w.wpe });
  w.blocks.forEach((b, l) => {
    const p = `transformer.h.${l}`;
    out.set(`${p}.ln_1.weight`, { shape: [d], data: b.ln1w });
    out.set(`${p}.ln_1.bias`, { shape: [d], data: b.ln1b });
    out.set(`${p}.attn.c_attn.weight`, { shape: [d, 3 * d], data: b.attnW });
    out.set(`${p}.attn.c_attn.bias`, { shape: [3 * d], data: b.attnB });
    out.set(`${p}.attn.c_proj.weight`, { shape: [d, d], data: b.projW });
    out.set(`${p}.attn.c_proj.bias`, { shape: [d], data: b.projB });
    out.set(`${p}.ln_2.weight`, { shape: [d], data: b.ln2w });
    out.set(`${p}.ln_2.bias`, { shape: [d], data: b.ln2b });
    out.set(`${p}.mlp.c_fc.weight`, { shape: [d, dMlp], data: b.fcW });
    out.set(`${p}.mlp.c_fc.bias`, { shape: [dMlp], data: b.fcB });
    out.set(`${p}.mlp.c_proj.weight`, { shape: [dMlp, d], data: b.outW });
    out.set(`${p}.mlp.c_proj.bias`, { shape: [d], data: b.outB });
  });
  out.set('transformer.ln_f.weight', { shape: [d], data: w.lnfW });
  out.set('transformer.ln_f.bias', { shape: [d], data: w.lnfB });
  return out;
}

/** The config.json of a GPT2LMHeadModel with this shape (tied embeddings, gelu_new). */
export function gpt2ConfigJson(shape: Gpt2Shape, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_layer: shape.nLayers,
    n_embd: shape.dModel,
    n_head: shape.nHeads,
    n_inner: shape.dMlp,
    n_positions: shape.nCtx,
    n_ctx: shape.nCtx,
    vocab_size: shape.dVocab,
    layer_norm_epsilon: 1e-5,
    bos_token_id: 50256,
    eos_token_id: 50256,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    ...extra,
  };
}
