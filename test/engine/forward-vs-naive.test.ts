// The ONNX forward pass against the independent plain-TypeScript reference, hook by hook, on tiny
// random GPT-2 and Llama checkpoints (GQA, biases, untied head, explicit head_dim, linear and
// Llama 3 RoPE scaling), with and without ablation masks.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allHookNames, forward, loadModel, type LoadedModel } from '../../engine/index.js';
import { writeRandomCheckpoint, type HfTensor, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { naiveForward, type NaiveMasks } from '../reference/naive-forward.js';
import { expectClose, makeTempDir, naiveConfigOf, removeDir } from './helpers.js';

const TOL = 1e-4;
const LLAMA3_ROPE = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 32 };
const base = { nLayers: 2, dModel: 24, nHeads: 4, dMlp: 40, dVocab: 61, nCtx: 16, std: 0.3, randomAffine: true } as const;
const CASES: [string, RandomCheckpointSpec][] = [
  ['gpt2', { ...base, architecture: 'gpt2', seed: 1 }],
  ['gpt2 untied, hub names (no transformer. prefix)', { ...base, architecture: 'gpt2', seed: 2, tied: false, gpt2Prefix: '' }],
  ['llama GQA 4/2, tied', { ...base, architecture: 'llama', nKvHeads: 2, seed: 3, tied: true, ropeTheta: 500 }],
  ['llama MQA, untied, biases, head_dim 8', { ...base, architecture: 'llama', nKvHeads: 1, dHead: 8, seed: 4, attentionBias: true, mlpBias: true }],
  ['llama, linear rope scaling', { ...base, architecture: 'llama', seed: 5, ropeScaling: { type: 'linear', factor: 4 } }],
  // head_dim 16, theta 1e4, original context 32: wavelengths 6.3 (kept), 19.9 (blended), >= 62.8 (divided by 8).
  ['llama, llama3 rope scaling (all three bands)', { ...base, architecture: 'llama', nKvHeads: 2, dHead: 16, seed: 6, ropeScaling: LLAMA3_ROPE }],
];
const IDS = [5, 17, 3, 60, 0, 42, 17];

describe.each(CASES)('ONNX forward vs naive reference: %s', (_label, spec) => {
  let dir: string;
  let model: LoadedModel;
  let hf: Map<string, HfTensor>;

  beforeAll(async () => {
    dir = makeTempDir();
    hf = writeRandomCheckpoint(dir, spec);
    model = await loadModel(dir);
  });
  afterAll(async () => {
    await model?.dispose();
    removeDir(dir);
  });

  it('matches every hook within 1e-4 with exact shapes', async () => {
    const cache = await forward(model, IDS);
    const ref = naiveForward(naiveConfigOf(spec), hf, IDS);
    const { nHeads, dMlp, dModel, dVocab } = model.config;
    const dHead = model.config.dHead;
    const T = IDS.length;
    const expectedShapes: Record<string, number[]> = {
      hook_resid_pre: [T, dModel], 'ln1.hook_normalized': [T, dModel], 'attn.hook_v': [T, nHeads, dHead],
      'attn.hook_pattern': [nHeads, T, T], 'attn.hook_weighted_v_last': [nHeads, T, dHead], hook_attn_out: [T, dModel],
      hook_resid_mid: [T, dModel], 'ln2.hook_normalized': [T, dModel], 'mlp.hook_post': [T, dMlp],
      hook_mlp_out: [T, dModel], hook_resid_post: [T, dModel],
    };
    for (const name of allHookNames(model.config)) {
      const t = cache.get(name);
      const suffix = name.replace(/^blocks\.\d+\./, '');
      const shape = name === 'logits' ? [T, dVocab] : name === 'ln_final.hook_normalized' ? [T, dModel] : expectedShapes[suffix];
      expect([name, t.shape]).toEqual([name, shape]);
      expectClose(t.data, ref.get(name)!, TOL, name);
    }
  });

  it('matches with FFN and head masks (partial zeros and scaling)', async () => {
    const { dMlp, nHeads, dHead } = model.config;
    const ffn = new Float32Array(dMlp).map((_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 0.5));
    const attn = new Float32Array(nHeads * dHead).map((_, i) => (Math.floor(i / dHead) === 1 ? 0 : 1));
    const masks: NaiveMasks = { ffn: new Map([[0, ffn]]), attn: new Map([[1, attn]]) };
    const cache = await forward(model, IDS, { masks });
    const ref = naiveForward(naiveConfigOf(spec), hf, IDS, masks);
    for (const name of ['blocks.0.mlp.hook_post', 'blocks.1.attn.hook_weighted_v_last', 'blocks.1.hook_attn_out', 'logits']) {
      expectClose(cache.get(name).data, ref.get(name)!, TOL, `${name} (masked)`);
    }
  });

  it('returns only the requested hooks plus logits', async () => {
    const cache = await forward(model, IDS.slice(0, 3), { hooks: ['blocks.1.mlp.hook_post'] });
    expect(cache.has('blocks.1.mlp.hook_post')).toBe(true);
    expect(cache.has('logits')).toBe(true);
    expect(cache.has('blocks.0.hook_resid_pre')).toBe(false);
    expect(() => cache.get('blocks.0.hook_resid_pre')).toThrow(/not computed/);
  });
});

describe('RoPE and position tables grow with the prompt', () => {
  it('matches the reference at T = 300 after a short prompt (tables first sized for 256)', async () => {
    const spec: RandomCheckpointSpec = { architecture: 'llama', nLayers: 1, dModel: 16, nHeads: 2, dMlp: 8, dVocab: 20, nCtx: 600, std: 0.4, seed: 8 };
    const dir = makeTempDir();
    const hf = writeRandomCheckpoint(dir, spec);
    const model = await loadModel(dir);
    try {
      await forward(model, [1, 2, 3]);
      const ids = Array.from({ length: 300 }, (_, i) => (i * 7) % 20);
      const ref = naiveForward(naiveConfigOf(spec), hf, ids);
      expectClose((await forward(model, ids, { hooks: ['logits'] })).get('logits').data, ref.get('logits')!, 1e-4, 'logits at T=300');
    } finally {
      await model.dispose();
      removeDir(dir);
    }
  });
});

describe('RoPE scaling is applied, from either config form', () => {
  const spec: RandomCheckpointSpec = { ...base, architecture: 'llama', nKvHeads: 2, dHead: 16, seed: 6, ropeScaling: LLAMA3_ROPE };
  let dir: string;
  let hf: Map<string, HfTensor>;
  beforeAll(() => {
    dir = makeTempDir();
    hf = writeRandomCheckpoint(dir, spec);
  });
  afterAll(() => removeDir(dir));

  const logitsOf = async (): Promise<Float32Array> => {
    const model = await loadModel(dir);
    try {
      return (await forward(model, IDS, { hooks: ['logits'] })).get('logits').data;
    } finally {
      await model.dispose();
    }
  };

  it('differs from the unscaled reference (the scaling is not a no-op here)', async () => {
    const logits = await logitsOf();
    const unscaled = naiveForward({ ...naiveConfigOf(spec), ropeScaling: null }, hf, IDS).get('logits')!;
    let diff = 0;
    for (let i = 0; i < logits.length; i++) diff = Math.max(diff, Math.abs(logits[i] - unscaled[i]));
    expect(diff).toBeGreaterThan(1e-2);
  });

  it('reads transformers 5 rope_parameters (rope_theta inside) as the same model', async () => {
    const before = await logitsOf();
    const file = join(dir, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config.rope_parameters = { ...LLAMA3_ROPE, rope_theta: config.rope_theta };
    delete config.rope_scaling;
    delete config.rope_theta;
    writeFileSync(file, JSON.stringify(config));
    expect(Array.from(await logitsOf())).toEqual(Array.from(before));
  });
});
