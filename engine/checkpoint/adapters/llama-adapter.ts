// Llama (LlamaForCausalLM): nn.Linear weights stored [out, in], RMSNorm (rms_norm_eps), RoPE
// (rope_theta, rotate-half), grouped-query attention, SwiGLU MLP, tied or separate lm_head.
// Optional attention/MLP biases (attention_bias, mlp_bias) are read when present, else zeros.
import type { ModelConfig, RopeScaling } from '../../types.js';
import { ConfigReader, same, type ArchitectureAdapter, type SourceTensor } from '../architecture-adapter.js';
import { rowsToHeads, transpose2d } from '../layout.js';

const ROPE_TYPES = ['default', 'linear', 'llama3'];

/**
 * RoPE base and scaling from config.json: `rope_theta` + `rope_scaling` (transformers 4.x, key
 * `rope_type` or the older `type`), or `rope_parameters` (transformers 5). Other rope types
 * (dynamic, yarn, longrope, ...) are rejected by name.
 */
function parseRope(json: Record<string, unknown>, file: string): { theta: number; scaling: RopeScaling | null } {
  const params = json.rope_parameters;
  const nested = params !== undefined && params !== null;
  const field = nested ? 'rope_parameters' : 'rope_scaling';
  const raw = nested ? params : json.rope_scaling;
  const top = new ConfigReader(json, file);
  if (raw === undefined || raw === null) return { theta: top.num('rope_theta', 10000), scaling: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw top.error(`field ${field} must be an object or null: got ${JSON.stringify(raw)}`);
  const obj = raw as Record<string, unknown>;
  const c = new ConfigReader(obj, `${file} ${field}`);
  const theta = nested && obj.rope_theta != null ? c.num('rope_theta') : top.num('rope_theta', 10000);
  const type = obj.rope_type ?? obj.type ?? 'default';
  if (typeof type !== 'string' || !ROPE_TYPES.includes(type)) {
    throw top.error(`${field} type ${JSON.stringify(type)} is not supported; supported: ${ROPE_TYPES.join(', ')}`);
  }
  if (type === 'default') return { theta, scaling: null };
  if (type === 'linear') return { theta, scaling: { type, factor: c.num('factor') } };
  const scaling = {
    type: 'llama3', factor: c.num('factor'), lowFreqFactor: c.num('low_freq_factor'), highFreqFactor: c.num('high_freq_factor'),
    originalMaxPositionEmbeddings: c.int('original_max_position_embeddings'),
  } as const;
  if (!(scaling.highFreqFactor > scaling.lowFreqFactor)) {
    throw c.error(`high_freq_factor ${scaling.highFreqFactor} must exceed low_freq_factor ${scaling.lowFreqFactor}`);
  }
  return { theta, scaling };
}

export const llamaAdapter: ArchitectureAdapter = {
  architecture: 'llama',
  hfArchitectures: ['LlamaForCausalLM'],
  prefixes: [''],

  parseConfig(json, file, hfArchitecture): ModelConfig {
    const c = new ConfigReader(json, file);
    const dModel = c.int('hidden_size');
    const nHeads = c.int('num_attention_heads');
    const nKvHeads = c.int('num_key_value_heads', nHeads);
    if (nHeads % nKvHeads !== 0) throw c.error(`num_attention_heads ${nHeads} is not a multiple of num_key_value_heads ${nKvHeads}`);
    if (json.head_dim == null && dModel % nHeads !== 0) throw c.error(`hidden_size ${dModel} is not divisible by num_attention_heads ${nHeads}`);
    const dHead = c.int('head_dim', dModel / nHeads);
    if (dHead % 2 !== 0) throw c.error(`head_dim ${dHead} must be even for rotary embeddings`);
    const act = json.hidden_act ?? 'silu';
    if (act !== 'silu') throw c.error(`hidden_act ${JSON.stringify(act)} is not supported; supported: "silu"`);
    const rope = parseRope(json, file);
    return {
      architecture: 'llama',
      hfArchitecture,
      nLayers: c.int('num_hidden_layers'),
      dModel,
      dMlp: c.int('intermediate_size'),
      nHeads,
      nKvHeads,
      dHead,
      dVocab: c.int('vocab_size'),
      nCtx: c.int('max_position_embeddings', 2048),
      normEps: c.num('rms_norm_eps', 1e-6),
      norm: 'rmsnorm',
      ropeTheta: rope.theta,
      ropeScaling: rope.scaling,
      act: 'silu',
      tiedEmbeddings: c.bool('tie_word_embeddings', false),
      bosTokenId: c.tokenId('bos_token_id'),
      eosTokenId: c.tokenId('eos_token_id'),
    };
  },

  plan(cfg): SourceTensor[] {
    const { dModel: d, dMlp, nHeads, nKvHeads, dHead, dVocab } = cfg;
    const one = (source: string, shape: number[], name: string, optional = false, outShape = shape): SourceTensor => ({
      source, shape, optional, outputs: [{ name, shape: outShape, extract: same }],
    });
    const heads = (source: string, n: number, name: string): SourceTensor => ({
      source, shape: [n * dHead, d], outputs: [{ name, shape: [n, d, dHead], extract: (s) => rowsToHeads(s, n, dHead, d) }],
    });
    const linearT = (source: string, outDim: number, inDim: number, name: string): SourceTensor => ({
      source, shape: [outDim, inDim], outputs: [{ name, shape: [inDim, outDim], extract: (s) => transpose2d(s, outDim, inDim) }],
    });
    const plan: SourceTensor[] = [one('model.embed_tokens.weight', [dVocab, d], 'embed.W_E')];
    for (let l = 0; l < cfg.nLayers; l++) {
      const m = `model.layers.${l}`;
      const b = `blocks.${l}`;
      plan.push(
        one(`${m}.input_layernorm.weight`, [d], `${b}.ln1.w`),
        heads(`${m}.self_attn.q_proj.weight`, nHeads, `${b}.attn.W_Q`),
        heads(`${m}.self_attn.k_proj.weight`, nKvHeads, `${b}.attn.W_K`),
        heads(`${m}.self_attn.v_proj.weight`, nKvHeads, `${b}.attn.W_V`),
        {
          source: `${m}.self_attn.o_proj.weight`, shape: [d, nHeads * dHead],
          outputs: [{ name: `${b}.attn.W_O`, shape: [nHeads, dHead, d], extract: (s) => transpose2d(s, d, nHeads * dHead) }],
        },
        one(`${m}.self_attn.q_proj.bias`, [nHeads * dHead], `${b}.attn.b_Q`, true, [nHeads, dHead]),
        one(`${m}.self_attn.k_proj.bias`, [nKvHeads * dHead], `${b}.attn.b_K`, true, [nKvHeads, dHead]),
        one(`${m}.self_attn.v_proj.bias`, [nKvHeads * dHead], `${b}.attn.b_V`, true, [nKvHeads, dHead]),
        one(`${m}.self_attn.o_proj.bias`, [d], `${b}.attn.b_O`, true),
        one(`${m}.post_attention_layernorm.weight`, [d], `${b}.ln2.w`),
        linearT(`${m}.mlp.up_proj.weight`, dMlp, d, `${b}.mlp.W_in`),
        linearT(`${m}.mlp.gate_proj.weight`, dMlp, d, `${b}.mlp.W_gate`),
        linearT(`${m}.mlp.down_proj.weight`, d, dMlp, `${b}.mlp.W_out`),
        one(`${m}.mlp.up_proj.bias`, [dMlp], `${b}.mlp.b_in`, true),
        one(`${m}.mlp.gate_proj.bias`, [dMlp], `${b}.mlp.b_gate`, true),
        one(`${m}.mlp.down_proj.bias`, [d], `${b}.mlp.b_out`, true),
      );
    }
    plan.push(one('model.norm.weight', [d], 'ln_final.w'));
    if (!cfg.tiedEmbeddings) plan.push(one('lm_head.weight', [dVocab, d], 'unembed.W_U'));
    return plan;
  },
};
