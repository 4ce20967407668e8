// Ablation masks remove exactly what they should: every FFN neuron of a layer -> FFN output = b_out;
// one head -> its weighted values vanish and the attention output loses exactly that head's share;
// masks on one layer leave earlier layers untouched.
import { forward, loadModel, type LoadedModel } from '../../engine/index.js';
import { writeRandomCheckpoint } from '../../scripts/lib/random-checkpoint.js';
import { expectClose, makeTempDir, removeDir } from './helpers.js';

const IDS = [7, 2, 9, 11, 4];

describe.each(['gpt2', 'llama'] as const)('ablation masks: %s', (architecture) => {
  let dir: string;
  let model: LoadedModel;
  beforeAll(async () => {
    dir = makeTempDir();
    writeRandomCheckpoint(dir, {
      architecture, nLayers: 2, dModel: 16, nHeads: 4, nKvHeads: architecture === 'llama' ? 2 : undefined, dMlp: 24,
      dVocab: 40, nCtx: 8, std: 0.3, randomAffine: true, mlpBias: true, attentionBias: true, seed: 21,
    });
    model = await loadModel(dir);
  });
  afterAll(async () => {
    await model?.dispose();
    removeDir(dir);
  });

  it('masking every FFN neuron of a layer makes hook_mlp_out equal b_out at every position', async () => {
    const { dMlp, dModel } = model.config;
    const cache = await forward(model, IDS, { masks: { ffn: new Map([[1, new Float32Array(dMlp)]]) } });
    const bOut = model.weight('blocks.1.mlp.b_out').data;
    const expected = Array.from({ length: IDS.length * dModel }, (_, i) => bOut[i % dModel]);
    expectClose(cache.get('blocks.1.hook_mlp_out').data, expected, 1e-6, 'blocks.1.hook_mlp_out');
    expect(cache.get('blocks.1.mlp.hook_post').data.every((x) => x === 0)).toBe(true);
  });

  it('masks on layer 1 leave layer 0 unchanged and change the logits', async () => {
    const { dMlp } = model.config;
    const clean = await forward(model, IDS);
    const masked = await forward(model, IDS, { masks: { ffn: new Map([[1, new Float32Array(dMlp)]]) } });
    expectClose(masked.get('blocks.0.hook_resid_post').data, clean.get('blocks.0.hook_resid_post').data, 0, 'layer 0 output');
    const { diff } = { diff: Math.max(...clean.get('logits').data.map((x, i) => Math.abs(x - masked.get('logits').data[i]))) };
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('masking head 2 removes exactly its contribution to the attention output', async () => {
    const { nHeads, dHead, dModel } = model.config;
    const T = IDS.length;
    const mask = new Float32Array(nHeads * dHead).fill(1);
    mask.fill(0, 2 * dHead, 3 * dHead);
    const clean = await forward(model, IDS);
    const masked = await forward(model, IDS, { masks: { attn: new Map([[0, mask]]) } });
    const wv = masked.get('blocks.0.attn.hook_weighted_v_last').data;
    expect(wv.subarray(2 * T * dHead, 3 * T * dHead).every((x) => x === 0)).toBe(true);
    // clean attn_out[T-1] - head 2's share (from the clean weighted values) = masked attn_out[T-1].
    const cleanWv = clean.get('blocks.0.attn.hook_weighted_v_last').data;
    const wO = model.weight('blocks.0.attn.W_O').data;
    const expected = Float64Array.from(clean.get('blocks.0.hook_attn_out').data.subarray((T - 1) * dModel));
    for (let p = 0; p < T; p++) {
      for (let k = 0; k < dHead; k++) {
        const a = cleanWv[(2 * T + p) * dHead + k];
        for (let i = 0; i < dModel; i++) expected[i] -= a * wO[(2 * dHead + k) * dModel + i];
      }
    }
    expectClose(masked.get('blocks.0.hook_attn_out').data.subarray((T - 1) * dModel), expected, 1e-4, 'masked attn_out[T-1]');
    // The pattern itself is not masked.
    expectClose(masked.get('blocks.0.attn.hook_pattern').data, clean.get('blocks.0.attn.hook_pattern').data, 0, 'pattern');
  });

  it.each([
    ['a mask of the wrong length', { ffn: new Map([[0, new Float32Array(3)]]) }, /ffn mask of layer 0 must have 24 values: got 3/],
    ['a mask for a layer out of range', { attn: new Map([[5, new Float32Array(16)]]) }, /attn mask layer must be in \[0, 2\): got 5/],
  ])('EXPECTED FAILURE: %s', async (_label, masks, pattern) => {
    await expect(forward(model, IDS, { masks })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(pattern) });
  });

  it.each([
    ['an empty prompt', [], /prompt length must be in \[1, 8\]: got 0/],
    ['a prompt longer than the context', [1, 2, 3, 4, 5, 6, 7, 8, 9], /prompt length must be in \[1, 8\]: got 9/],
    ['a token id out of range', [1, 40], /token id at position 1 must be an integer in \[0, 40\): got 40/],
    ['a fractional token id', [1.5], /got 1.5/],
  ])('EXPECTED FAILURE: %s', async (_label, ids, pattern) => {
    await expect(forward(model, ids)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(pattern) });
  });

  it('EXPECTED FAILURE: an unknown hook name', async () => {
    await expect(forward(model, IDS, { hooks: ['blocks.0.hook_nope'] })).rejects.toThrow(/unknown hook blocks.0.hook_nope/);
  });
});
