// Random Hugging Face checkpoints of any GPT-2 or Llama shape (seeded, GPT-2-style init), written
// as config.json + model.safetensors (or shards + model.safetensors.index.json). For tests and
// benchmarks; the tensors use HF names and layouts, independent of engine/'s canonical layout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, type SafetensorsDtype, type TensorToWrite } from '../../engine/checkpoint/write-safetensors.js';
import { writeGpt2Tokenizer, GPT2_VOCAB_SIZE } from './gpt2-tokenizer.js';
import { makeRng } from './rng.js';

export interface RandomCheckpointSpec {
  readonly architecture: 'gpt2' | 'llama';
  readonly nLayers: number;
  readonly dModel: number;
  readonly nHeads: number;
  /** Llama only (default nHeads). */
  readonly nKvHeads?: number;
  /** Llama only; written as config head_dim when it differs from dModel / nHeads. */
  readonly dHead?: number;
  readonly dMlp: number;
  readonly dVocab: number;
  readonly nCtx: number;
  readonly seed?: number;
  /** Weight std (default 0.02, GPT-2's initializer_range); residual projections get std / sqrt(2 nLayers). */
  readonly std?: number;
  /** Draw biases N(0, std) and norm gains 1 + N(0, 0.1) instead of 0 and 1 (tests). */
  readonly randomAffine?: boolean;
  /** Default true for GPT-2, false for Llama. */
  readonly tied?: boolean;
  /** Llama: attention_bias (q/k/v/o biases) and mlp_bias. */
  readonly attentionBias?: boolean;
  readonly mlpBias?: boolean;
  readonly normEps?: number;
  readonly ropeTheta?: number;
  /** Llama: config.json's rope_scaling as HF writes it (default null). */
  readonly ropeScaling?: Readonly<Record<string, unknown>>;
  /** Stored dtype (default F32). */
  readonly dtype?: SafetensorsDtype;
  /** Number of safetensors shards (default 1: a single model.safetensors). */
  readonly shards?: number;
  /** GPT-2 tensor-name prefix (default 'transformer.'; the hub's gpt2 files have none). */
  readonly gpt2Prefix?: string;
  /** Write GPT-2's real tokenizer.json (requires dVocab 50257). */
  readonly gpt2Tokenizer?: boolean;
}

/** Named shapes; `gpt2-small` is GPT-2 124M's shape. */
export const PRESETS = {
  'gpt2-small': { architecture: 'gpt2', nLayers: 12, dModel: 768, nHeads: 12, dMlp: 3072, dVocab: 50257, nCtx: 1024 },
  'tiny-gpt2': { architecture: 'gpt2', nLayers: 2, dModel: 32, nHeads: 4, dMlp: 64, dVocab: 97, nCtx: 32 },
  'tiny-llama': { architecture: 'llama', nLayers: 2, dModel: 32, nHeads: 4, nKvHeads: 2, dMlp: 48, dVocab: 89, nCtx: 32 },
} as const satisfies Record<string, RandomCheckpointSpec>;
export type PresetName = keyof typeof PRESETS;

export interface HfTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** config.json contents for a spec (HF field names). */
export function hfConfig(spec: RandomCheckpointSpec): Record<string, unknown> {
  const tied = spec.tied ?? spec.architecture === 'gpt2';
  if (spec.architecture === 'gpt2') {
    return {
      architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_layer: spec.nLayers, n_embd: spec.dModel,
      n_head: spec.nHeads, n_inner: spec.dMlp, vocab_size: spec.dVocab, n_positions: spec.nCtx, n_ctx: spec.nCtx,
      layer_norm_epsilon: spec.normEps ?? 1e-5, activation_function: 'gelu_new', tie_word_embeddings: tied,
      initializer_range: spec.std ?? 0.02, bos_token_id: spec.dVocab - 1, eos_token_id: spec.dVocab - 1, torch_dtype: 'float32',
    };
  }
  const dHead = spec.dHead ?? spec.dModel / spec.nHeads;
  return {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: spec.dModel, intermediate_size: spec.dMlp,
    num_hidden_layers: spec.nLayers, num_attention_heads: spec.nHeads, num_key_value_heads: spec.nKvHeads ?? spec.nHeads,
    ...(dHead !== spec.dModel / spec.nHeads ? { head_dim: dHead } : {}),
    vocab_size: spec.dVocab, max_position_embeddings: spec.nCtx, rms_norm_eps: spec.normEps ?? 1e-5,
    rope_theta: spec.ropeTheta ?? 10000, rope_scaling: spec.ropeScaling ?? null, hidden_act: 'silu',
    attention_bias: spec.attentionBias ?? false, mlp_bias: spec.mlpBias ?? false, tie_word_embeddings: tied,
    initializer_range: spec.std ?? 0.02, bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  };
}

/** The random tensors of a spec under HF names (GPT-2 without prefix), in file order. */
export function randomHfTensors(spec: RandomCheckpointSpec): Map<string, HfTensor> {
  const rng = makeRng(spec.seed ?? 0);
  const std = spec.std ?? 0.02;
  const residStd = std / Math.sqrt(2 * spec.nLayers);
  const affine = spec.randomAffine ?? false;
  const out = new Map<string, HfTensor>();
  const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
  const normal = (name: string, shape: number[], s = std): void => void out.set(name, { shape, data: rng.normals(count(shape), s) });
  const bias = (name: string, shape: number[]): void =>
    void out.set(name, { shape, data: affine ? rng.normals(count(shape), std) : new Float32Array(count(shape)) });
  const gain = (name: string, shape: number[]): void => {
    const data = new Float32Array(count(shape)).fill(1);
    if (affine) for (let i = 0; i < data.length; i++) data[i] += 0.1 * rng.normal();
    out.set(name, { shape, data });
  };
  const { nLayers, dModel: d, dMlp, dVocab, nCtx, nHeads } = spec;
  const tied = spec.tied ?? spec.architecture === 'gpt2';
  if (spec.architecture === 'gpt2') {
    normal('wte.weight', [dVocab, d]);
    normal('wpe.weight', [nCtx, d], 0.01);
    for (let l = 0; l < nLayers; l++) {
      const h = `h.${l}`;
      gain(`${h}.ln_1.weight`, [d]); bias(`${h}.ln_1.bias`, [d]);
      normal(`${h}.attn.c_attn.weight`, [d, 3 * d]); bias(`${h}.attn.c_attn.bias`, [3 * d]);
      normal(`${h}.attn.c_proj.weight`, [d, d], residStd); bias(`${h}.attn.c_proj.bias`, [d]);
      gain(`${h}.ln_2.weight`, [d]); bias(`${h}.ln_2.bias`, [d]);
      normal(`${h}.mlp.c_fc.weight`, [d, dMlp]); bias(`${h}.mlp.c_fc.bias`, [dMlp]);
      normal(`${h}.mlp.c_proj.weight`, [dMlp, d], residStd); bias(`${h}.mlp.c_proj.bias`, [d]);
    }
    gain('ln_f.weight', [d]); bias('ln_f.bias', [d]);
    if (!tied) normal('lm_head.weight', [dVocab, d]);
    return out;
  }
  const nKv = spec.nKvHeads ?? nHeads;
  const dHead = spec.dHead ?? d / nHeads;
  normal('model.embed_tokens.weight', [dVocab, d]);
  for (let l = 0; l < nLayers; l++) {
    const m = `model.layers.${l}`;
    gain(`${m}.input_layernorm.weight`, [d]);
    normal(`${m}.self_attn.q_proj.weight`, [nHeads * dHead, d]);
    normal(`${m}.self_attn.k_proj.weight`, [nKv * dHead, d]);
    normal(`${m}.self_attn.v_proj.weight`, [nKv * dHead, d]);
    normal(`${m}.self_attn.o_proj.weight`, [d, nHeads * dHead], residStd);
    if (spec.attentionBias) {
      bias(`${m}.self_attn.q_proj.bias`, [nHeads * dHead]); bias(`${m}.self_attn.k_proj.bias`, [nKv * dHead]);
      bias(`${m}.self_attn.v_proj.bias`, [nKv * dHead]); bias(`${m}.self_attn.o_proj.bias`, [d]);
    }
    gain(`${m}.post_attention_layernorm.weight`, [d]);
    normal(`${m}.mlp.gate_proj.weight`, [dMlp, d]);
    normal(`${m}.mlp.up_proj.weight`, [dMlp, d]);
    normal(`${m}.mlp.down_proj.weight`, [d, dMlp], residStd);
    if (spec.mlpBias) {
      bias(`${m}.mlp.gate_proj.bias`, [dMlp]); bias(`${m}.mlp.up_proj.bias`, [dMlp]); bias(`${m}.mlp.down_proj.bias`, [d]);
    }
  }
  gain('model.norm.weight', [d]);
  if (!tied) normal('lm_head.weight', [dVocab, d]);
  return out;
}

/**
 * Writes the checkpoint into `dir` (created) and returns the HF tensors written (fp32 values
 * before any F16/BF16 rounding; GPT-2 names without prefix).
 */
export function writeRandomCheckpoint(dir: string, spec: RandomCheckpointSpec): Map<string, HfTensor> {
  mkdirSync(dir, { recursive: true });
  const tensors = randomHfTensors(spec);
  const prefix = spec.architecture === 'gpt2' ? spec.gpt2Prefix ?? 'transformer.' : '';
  const entries = [...tensors.entries()].map(([name, t]): [string, TensorToWrite] => [
    prefix + name, { shape: t.shape, data: t.data, dtype: spec.dtype ?? 'F32' },
  ]);
  const shards = Math.max(1, Math.min(spec.shards ?? 1, entries.length));
  if (shards === 1) {
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(new Map(entries)));
  } else {
    const itemSize = (spec.dtype ?? 'F32') === 'F32' ? 4 : 2;
    const total = entries.reduce((a, [, t]) => a + t.data.length * itemSize, 0);
    const weightMap: Record<string, string> = {};
    let start = 0;
    for (let s = 0; s < shards; s++) {
      // Cut at tensor boundaries so shard s ends near (s+1)/shards of the bytes, leaving one tensor per later shard.
      let end = start + 1;
      let bytes = entries.slice(0, end).reduce((a, [, t]) => a + t.data.length * itemSize, 0);
      while (end < entries.length - (shards - s - 1) && bytes + entries[end][1].data.length * itemSize <= ((s + 1) * total) / shards) {
        bytes += entries[end][1].data.length * itemSize;
        end++;
      }
      if (s === shards - 1) end = entries.length;
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = entries.slice(start, end);
      for (const [name] of part) weightMap[name] = file;
      writeFileSync(join(dir, file), encodeSafetensors(new Map(part)));
      start = end;
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  }
  if (spec.gpt2Tokenizer) {
    if (spec.dVocab !== GPT2_VOCAB_SIZE) throw new Error(`gpt2Tokenizer needs dVocab ${GPT2_VOCAB_SIZE}: got ${spec.dVocab}`);
    writeGpt2Tokenizer(dir);
  }
  // Last, so a folder with config.json is complete (generation can be interrupted).
  writeFileSync(join(dir, 'config.json'), JSON.stringify(hfConfig(spec), null, 2));
  return tensors;
}
