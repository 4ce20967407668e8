// GPT-2 (GPT2LMHeadModel): Conv1D weights stored [in, out], fused c_attn (q|k|v columns), learned
// positions, LayerNorm (layer_norm_epsilon), gelu_new MLP, unembedding tied to wte.
import type { ModelConfig } from '../../types.js';
import { ConfigReader, same, type ArchitectureAdapter, type SourceTensor } from '../architecture-adapter.js';
import { columnsToHeads, sliceCopy } from '../layout.js';

export const gpt2Adapter: ArchitectureAdapter = {
  architecture: 'gpt2',
  hfArchitectures: ['GPT2LMHeadModel'],
  prefixes: ['transformer.', ''],

  parseConfig(json, file, hfArchitecture): ModelConfig {
    const c = new ConfigReader(json, file);
    const dModel = c.int(['n_embd', 'hidden_size']);
    const nHeads = c.int(['n_head', 'num_attention_heads']);
    if (dModel % nHeads !== 0) throw c.error(`n_embd ${dModel} is not divisible by n_head ${nHeads}`);
    const act = json.activation_function ?? 'gelu_new';
    if (act !== 'gelu_new') throw c.error(`activation_function ${JSON.stringify(act)} is not supported; supported: "gelu_new"`);
    const tied = c.bool('tie_word_embeddings', true);
    return {
      architecture: 'gpt2',
      hfArchitecture,
      nLayers: c.int(['n_layer', 'num_hidden_layers']),
      dModel,
      dMlp: c.int('n_inner', 4 * dModel),
      nHeads,
      nKvHeads: nHeads,
      dHead: dModel / nHeads,
      dVocab: c.int('vocab_size'),
      nCtx: c.int(['n_positions', 'n_ctx', 'max_position_embeddings']),
      normEps: c.num('layer_norm_epsilon', 1e-5),
      norm: 'layernorm',
      ropeTheta: null,
      ropeScaling: null,
      act: 'gelu_new',
      tiedEmbeddings: tied,
      bosTokenId: c.tokenId('bos_token_id'),
      eosTokenId: c.tokenId('eos_token_id'),
    };
  },

  plan(cfg): SourceTensor[] {
    const { dModel: d, dMlp, nHeads, dHead, dVocab, nCtx } = cfg;
    const one = (source: string, shape: number[], name: string): SourceTensor => ({
      source, shape, outputs: [{ name, shape, extract: same }],
    });
    const plan: SourceTensor[] = [
      one('wte.weight', [dVocab, d], 'embed.W_E'),
      one('wpe.weight', [nCtx, d], 'pos_embed.W_pos'),
    ];
    for (let l = 0; l < cfg.nLayers; l++) {
      const h = `h.${l}`;
      const b = `blocks.${l}`;
      const qkv = (i: number): number => i * d;
      plan.push(
        one(`${h}.ln_1.weight`, [d], `${b}.ln1.w`),
        one(`${h}.ln_1.bias`, [d], `${b}.ln1.b`),
        {
          source: `${h}.attn.c_attn.weight`, shape: [d, 3 * d],
          outputs: (['Q', 'K', 'V'] as const).map((x, i) => ({
            name: `${b}.attn.W_${x}`, shape: [nHeads, d, dHead],
            extract: (src: Float32Array) => columnsToHeads(src, d, 3 * d, qkv(i), nHeads, dHead),
          })),
        },
        {
          source: `${h}.attn.c_attn.bias`, shape: [3 * d],
          outputs: (['Q', 'K', 'V'] as const).map((x, i) => ({
            name: `${b}.attn.b_${x}`, shape: [nHeads, dHead],
            extract: (src: Float32Array) => sliceCopy(src, qkv(i), d),
          })),
        },
        // Conv1D c_proj is [in = head*dHead + k, out]: already [nHeads, dHead, dModel] row-major.
        { source: `${h}.attn.c_proj.weight`, shape: [d, d], outputs: [{ name: `${b}.attn.W_O`, shape: [nHeads, dHead, d], extract: same }] },
        one(`${h}.attn.c_proj.bias`, [d], `${b}.attn.b_O`),
        one(`${h}.ln_2.weight`, [d], `${b}.ln2.w`),
        one(`${h}.ln_2.bias`, [d], `${b}.ln2.b`),
        one(`${h}.mlp.c_fc.weight`, [d, dMlp], `${b}.mlp.W_in`),
        one(`${h}.mlp.c_fc.bias`, [dMlp], `${b}.mlp.b_in`),
        one(`${h}.mlp.c_proj.weight`, [dMlp, d], `${b}.mlp.W_out`),
        one(`${h}.mlp.c_proj.bias`, [d], `${b}.mlp.b_out`),
      );
    }
    plan.push(one('ln_f.weight', [d], 'ln_final.w'), one('ln_f.bias', [d], 'ln_final.b'));
    if (!cfg.tiedEmbeddings) plan.push(one('lm_head.weight', [dVocab, d], 'unembed.W_U'));
    return plan;
  },
};
