// The engine's public data contract: model config, canonical weights and the forward cache.
// Every module of engine/ and every caller (api/, scripts/) speaks these names. Hook and weight
// names follow TransformerLens, so one tensor has one name from ONNX graph to GraphQL.

/** A dense fp32 tensor, row-major. `data.length === shape.reduce((a, b) => a * b, 1)`. */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export type Architecture = 'gpt2' | 'llama';

/** Normalised architecture description, derived once from a checkpoint's config.json. */
export interface ModelConfig {
  readonly architecture: Architecture;
  /** The `architectures[0]` string of config.json, e.g. `GPT2LMHeadModel`. */
  readonly hfArchitecture: string;
  readonly nLayers: number;
  readonly dModel: number;
  readonly dMlp: number;
  readonly nHeads: number;
  /** Key/value heads (grouped-query attention); equals nHeads for GPT-2. */
  readonly nKvHeads: number;
  readonly dHead: number;
  readonly dVocab: number;
  /** Maximum context length (n_positions / max_position_embeddings). */
  readonly nCtx: number;
  /** LayerNorm / RMSNorm epsilon. */
  readonly normEps: number;
  /** 'layernorm' (GPT-2: mean-centred, weight and bias) or 'rmsnorm' (Llama: weight only). */
  readonly norm: 'layernorm' | 'rmsnorm';
  /** RoPE base (Llama); null for learned positions (GPT-2). */
  readonly ropeTheta: number | null;
  /** RoPE frequency scaling of config.json's rope_scaling / rope_parameters; null: none. */
  readonly ropeScaling: RopeScaling | null;
  /** 'gelu_new' (GPT-2 MLP) or 'silu' (Llama SwiGLU: silu(gate) * up). */
  readonly act: 'gelu_new' | 'silu';
  readonly tiedEmbeddings: boolean;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
}

/**
 * RoPE frequency scalings (as Hugging Face's rope_init_fn computes inv_freq; attention scale 1):
 * `linear` divides every inverse frequency by `factor`; `llama3` (Llama 3.1+) divides frequencies
 * whose wavelength exceeds originalMaxPositionEmbeddings / lowFreqFactor by `factor`, keeps those
 * below originalMaxPositionEmbeddings / highFreqFactor, and interpolates smoothly in between.
 */
export type RopeScaling =
  | { readonly type: 'linear'; readonly factor: number }
  | {
    readonly type: 'llama3';
    readonly factor: number;
    readonly lowFreqFactor: number;
    readonly highFreqFactor: number;
    readonly originalMaxPositionEmbeddings: number;
  };

/**
 * Canonical weight names and shapes (fp32, after loading and dtype conversion):
 *   embed.W_E                [dVocab, dModel]
 *   pos_embed.W_pos          [nCtx, dModel]                (gpt2 only)
 *   blocks.{l}.ln1.w         [dModel]     blocks.{l}.ln1.b [dModel] (layernorm only)
 *   blocks.{l}.attn.W_Q      [nHeads, dModel, dHead]      blocks.{l}.attn.b_Q [nHeads, dHead]
 *   blocks.{l}.attn.W_K      [nKvHeads, dModel, dHead]    blocks.{l}.attn.b_K [nKvHeads, dHead]
 *   blocks.{l}.attn.W_V      [nKvHeads, dModel, dHead]    blocks.{l}.attn.b_V [nKvHeads, dHead]
 *   blocks.{l}.attn.W_O      [nHeads, dHead, dModel]      blocks.{l}.attn.b_O [dModel]
 *   blocks.{l}.ln2.w / .b    [dModel]
 *   blocks.{l}.mlp.W_in      [dModel, dMlp]  (gpt2 c_fc; llama up_proj)   blocks.{l}.mlp.b_in [dMlp]
 *   blocks.{l}.mlp.W_gate    [dModel, dMlp]  (llama gate_proj only)      blocks.{l}.mlp.b_gate [dMlp] (llama only)
 *   blocks.{l}.mlp.W_out     [dMlp, dModel]  row n = subvalue fc2_n        blocks.{l}.mlp.b_out [dModel]
 *   ln_final.w / .b          [dModel]
 *   unembed.W_U              [dVocab, dModel]  NOTE: HF lm_head layout (row per token), not TL's
 *                                              [dModel, dVocab]; shares W_E's buffer when tied.
 * Biases absent from a checkpoint (Llama) are zero tensors of the stated shape.
 */
export type WeightName = string;

/** Per-layer multiplicative masks for interventions: 0 zeroes a neuron at every position. */
export interface AblationMasks {
  /** layer -> [dMlp] multiplier on mlp.hook_post (FFN neuron n of layer l). */
  readonly ffn?: ReadonlyMap<number, Float32Array>;
  /** layer -> [nHeads * dHead] multiplier on the head outputs before W_O (row j*dHead+k of W_O). */
  readonly attn?: ReadonlyMap<number, Float32Array>;
}

/**
 * Hook names in a forward cache (T = number of input tokens, last position = T-1):
 *   blocks.{l}.hook_resid_pre        [T, dModel]   layer input h[l-1]
 *   blocks.{l}.ln1.hook_normalized   [T, dModel]   norm1(h[l-1]) incl. weight (and bias)
 *   blocks.{l}.attn.hook_v           [T, nHeads, dHead]  values incl. bias, KV heads repeated
 *   blocks.{l}.attn.hook_pattern     [nHeads, T, T]      softmax weights (query, key)
 *   blocks.{l}.attn.hook_weighted_v_last [nHeads, T, dHead]  alpha[T-1,p] * v[p,j] per source p
 *                                                  (times the attn ablation mask, if any)
 *   blocks.{l}.hook_attn_out         [T, dModel]   A[l] (incl. b_O)
 *   blocks.{l}.hook_resid_mid        [T, dModel]   r[l]
 *   blocks.{l}.ln2.hook_normalized   [T, dModel]   norm2(r[l])
 *   blocks.{l}.mlp.hook_post         [T, dMlp]     FFN coefficients m (gelu_new(pre) / silu(gate)*up),
 *                                                  after the ffn ablation mask, if any
 *   blocks.{l}.hook_mlp_out          [T, dModel]   F[l] (incl. b_out)
 *   blocks.{l}.hook_resid_post       [T, dModel]   h[l]
 *   ln_final.hook_normalized         [T, dModel]
 *   logits                           [T, dVocab]
 */
export type HookName = string;

export interface ForwardCache {
  readonly ids: readonly number[];
  /** Throws if the hook was not computed. */
  get(name: HookName): Tensor;
  has(name: HookName): boolean;
}
