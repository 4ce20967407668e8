// Residual-stream bookkeeping of method.md section 1, checked on the hooks of one forward pass:
// h = h_prev + A + F; final residual = embeddings + all A + all F; F = sum_n m_n fc2_n + b_out;
// A[T-1] = sum over heads and source positions of weighted values through W_O, plus b_O.
import { forward, loadModel, type ForwardCache, type LoadedModel } from '../../engine/index.js';
import { writeRandomCheckpoint, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { expectClose, makeTempDir, removeDir } from './helpers.js';

const TOL = 1e-4;
const base = { nLayers: 3, dModel: 32, nHeads: 4, dMlp: 48, dVocab: 50, nCtx: 16, std: 0.3, randomAffine: true } as const;
const SPECS: [string, RandomCheckpointSpec][] = [
  ['gpt2', { ...base, architecture: 'gpt2', seed: 11 }],
  ['llama', { ...base, architecture: 'llama', nKvHeads: 2, seed: 12, attentionBias: true, mlpBias: true }],
];
const IDS = [3, 1, 4, 1, 5, 9, 2, 6];

describe.each(SPECS)('residual bookkeeping: %s', (_label, spec) => {
  let dir: string;
  let model: LoadedModel;
  let cache: ForwardCache;
  beforeAll(async () => {
    dir = makeTempDir();
    writeRandomCheckpoint(dir, spec);
    model = await loadModel(dir);
    cache = await forward(model, IDS);
  });
  afterAll(async () => {
    await model?.dispose();
    removeDir(dir);
  });
  const data = (name: string): Float32Array => cache.get(name).data;

  it('layer output = layer input + attention output + FFN output (every layer, every position)', () => {
    for (let l = 0; l < spec.nLayers; l++) {
      const b = `blocks.${l}`;
      const sum = data(`${b}.hook_resid_pre`).map((x, i) => x + data(`${b}.hook_attn_out`)[i] + data(`${b}.hook_mlp_out`)[i]);
      expectClose(data(`${b}.hook_resid_post`), sum, TOL, `${b}.hook_resid_post`);
      if (l > 0) expectClose(data(`${b}.hook_resid_pre`), data(`blocks.${l - 1}.hook_resid_post`), 0, `${b}.hook_resid_pre`);
    }
  });

  it('final residual = embeddings + all attention outputs + all FFN outputs', () => {
    const total = Float64Array.from(data('blocks.0.hook_resid_pre'));
    for (let l = 0; l < spec.nLayers; l++) {
      data(`blocks.${l}.hook_attn_out`).forEach((x, i) => { total[i] += x; });
      data(`blocks.${l}.hook_mlp_out`).forEach((x, i) => { total[i] += x; });
    }
    expectClose(data(`blocks.${spec.nLayers - 1}.hook_resid_post`), total, TOL, 'final residual');
  });

  it('FFN output = sum over neurons of coefficient * W_out row + b_out', () => {
    const { dMlp, dModel } = model.config;
    for (let l = 0; l < spec.nLayers; l++) {
      const m = data(`blocks.${l}.mlp.hook_post`);
      const wOut = model.weight(`blocks.${l}.mlp.W_out`).data;
      const bOut = model.weight(`blocks.${l}.mlp.b_out`).data;
      const expected = new Float64Array(IDS.length * dModel);
      for (let t = 0; t < IDS.length; t++) {
        for (let n = 0; n < dMlp; n++) {
          for (let i = 0; i < dModel; i++) expected[t * dModel + i] += m[t * dMlp + n] * wOut[n * dModel + i];
        }
        for (let i = 0; i < dModel; i++) expected[t * dModel + i] += bOut[i];
      }
      expectClose(data(`blocks.${l}.hook_mlp_out`), expected, TOL, `blocks.${l}.hook_mlp_out`);
    }
  });

  it('attention output at the last position = sum of weighted values through W_O + b_O', () => {
    const { nHeads, dHead, dModel } = model.config;
    const T = IDS.length;
    for (let l = 0; l < spec.nLayers; l++) {
      const wv = data(`blocks.${l}.attn.hook_weighted_v_last`); // [nHeads, T, dHead]
      const wO = model.weight(`blocks.${l}.attn.W_O`).data; // [nHeads, dHead, dModel]
      const expected = Float64Array.from(model.weight(`blocks.${l}.attn.b_O`).data);
      for (let h = 0; h < nHeads; h++) {
        for (let p = 0; p < T; p++) {
          for (let k = 0; k < dHead; k++) {
            const a = wv[(h * T + p) * dHead + k];
            for (let i = 0; i < dModel; i++) expected[i] += a * wO[(h * dHead + k) * dModel + i];
          }
        }
      }
      const attnOut = data(`blocks.${l}.hook_attn_out`).subarray((T - 1) * dModel, T * dModel);
      expectClose(attnOut, expected, TOL, `blocks.${l}.hook_attn_out[T-1]`);
    }
  });

  it('attention rows are causal probability distributions', () => {
    const { nHeads } = model.config;
    const T = IDS.length;
    const pattern = data('blocks.0.attn.hook_pattern');
    for (let h = 0; h < nHeads; h++) {
      for (let q = 0; q < T; q++) {
        const row = pattern.subarray((h * T + q) * T, (h * T + q + 1) * T);
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        for (let k = q + 1; k < T; k++) expect(row[k]).toBe(0);
      }
    }
  });
});
