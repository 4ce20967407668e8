// The random checkpoint generator: deterministic per seed, GPT-2-style init scales, HF layout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomHfTensors, writeRandomCheckpoint, PRESETS } from '../../scripts/lib/random-checkpoint.js';
import { makeTempDir, removeDir } from './helpers.js';

const std = (x: Float32Array): number => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
};

describe('random checkpoint generator', () => {
  it('writes identical bytes for the same seed and different bytes for another seed', () => {
    const spec = { ...PRESETS['tiny-llama'], seed: 4 };
    const [a, b, c] = [makeTempDir(), makeTempDir(), makeTempDir()];
    try {
      writeRandomCheckpoint(a, spec);
      writeRandomCheckpoint(b, spec);
      writeRandomCheckpoint(c, { ...spec, seed: 5 });
      const bytes = (d: string): Buffer => readFileSync(join(d, 'model.safetensors'));
      expect(bytes(a).equals(bytes(b))).toBe(true);
      expect(bytes(a).equals(bytes(c))).toBe(false);
      // tiny-llama: 2 layers, width 32, 4 heads sharing 2 KV heads, MLP 48, vocabulary 89, context 32.
      expect(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'))).toMatchObject({
        architectures: ['LlamaForCausalLM'], num_hidden_layers: 2, hidden_size: 32, num_attention_heads: 4, num_key_value_heads: 2,
        intermediate_size: 48, vocab_size: 89, max_position_embeddings: 32, rope_scaling: null, tie_word_embeddings: false,
      });
    } finally {
      [a, b, c].forEach(removeDir);
    }
  });

  it('draws weights N(0, 0.02) and residual projections N(0, 0.02 / sqrt(2 nLayers))', () => {
    const spec = { architecture: 'gpt2', nLayers: 8, dModel: 64, nHeads: 4, dMlp: 256, dVocab: 100, nCtx: 8, seed: 1 } as const;
    const t = randomHfTensors(spec);
    expect(std(t.get('h.0.mlp.c_fc.weight')!.data)).toBeCloseTo(0.02, 3);
    expect(std(t.get('h.0.mlp.c_proj.weight')!.data)).toBeCloseTo(0.02 / 4, 3);
    expect(std(t.get('h.3.attn.c_proj.weight')!.data)).toBeCloseTo(0.02 / 4, 3);
    expect(Array.from(t.get('h.0.ln_1.weight')!.data).every((x) => x === 1)).toBe(true);
    expect(t.has('lm_head.weight')).toBe(false);
  });
});
