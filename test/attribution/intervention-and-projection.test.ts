// Interventions against the naive forward with the same neurons zeroed, and vocabulary
// projections (single neuron and bulk) against plain loops over the HF tensors.
import {
  bulkProject, bulkProjectLayer, intervene, loadModel, projectNeuron, type LoadedModel,
} from '../../engine/index.js';
import { writeRandomCheckpoint, type HfTensor, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { naiveForward } from '../reference/naive-forward.js';
import { expectClose, makeTempDir, naiveConfigOf, removeDir } from '../engine/helpers.js';

const CASES: [string, RandomCheckpointSpec][] = [
  ['gpt2', { architecture: 'gpt2', nLayers: 2, dModel: 24, nHeads: 4, dMlp: 40, dVocab: 61, nCtx: 16, seed: 31, std: 0.4, randomAffine: true }],
  ['llama GQA', { architecture: 'llama', nLayers: 2, dModel: 24, nHeads: 4, nKvHeads: 2, dMlp: 40, dVocab: 61, nCtx: 16, seed: 32, std: 0.4, randomAffine: true, tied: false }],
];
const IDS = [4, 8, 15, 16, 23, 42];

function naiveLogProbs(logits: Float64Array, V: number, T: number): number[] {
  const row = Array.from(logits.subarray((T - 1) * V, T * V));
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
  return row.map((x) => x - lse);
}

describe.each(CASES)('interventions and projections: %s', (_label, spec) => {
  let dir: string;
  let model: LoadedModel;
  let hf: Map<string, HfTensor>;
  const gpt2 = spec.architecture === 'gpt2';
  const { dModel: D, dMlp: M, dVocab: V } = spec;

  beforeAll(async () => {
    dir = makeTempDir('atlas-interv-');
    hf = writeRandomCheckpoint(dir, spec);
    model = await loadModel(dir);
  });
  afterAll(async () => {
    await model?.dispose();
    removeDir(dir);
  });

  it('reports the target before and after zeroing FFN and attention neurons', async () => {
    const ffn = [{ layer: 0, neuron: 3 }, { layer: 1, neuron: 7 }, { layer: 1, neuron: 30 }];
    const attention = [{ layer: 1, head: 2, dim: 1 }, { layer: 0, head: 0, dim: 5 }];
    const target = 9;
    const res = await intervene(model, IDS, target, { ffn, attention });
    // Masks built here from the documented layout (FFN neuron n; attention row head * dHead + dim),
    // not by the engine's ablationMasks, which intervene() uses.
    const dh = D / spec.nHeads;
    const masks = { ffn: new Map<number, Float32Array>(), attn: new Map<number, Float32Array>() };
    for (const { layer, neuron } of ffn) {
      if (!masks.ffn.has(layer)) masks.ffn.set(layer, new Float32Array(M).fill(1));
      masks.ffn.get(layer)![neuron] = 0;
    }
    for (const { layer, head, dim } of attention) {
      if (!masks.attn.has(layer)) masks.attn.set(layer, new Float32Array(D).fill(1));
      masks.attn.get(layer)![head * dh + dim] = 0;
    }
    const cfg = naiveConfigOf(spec);
    const before = naiveLogProbs(naiveForward(cfg, hf, IDS).get('logits')!, V, IDS.length);
    const after = naiveLogProbs(naiveForward(cfg, hf, IDS, { ffn: masks.ffn, attn: masks.attn }).get('logits')!, V, IDS.length);
    expectClose([res.before.logProb, res.after.logProb, res.before.prob, res.after.prob],
      [before[target], after[target], Math.exp(before[target]), Math.exp(after[target])], 1e-4, 'target log prob / prob');
    expect(res.before.rank).toBe(1 + before.filter((x) => x > before[target]).length);
    expect(res.after.rank).toBe(1 + after.filter((x) => x > after[target]).length);
    expect(Math.abs(res.after.logProb - res.before.logProb)).toBeGreaterThan(1e-6);
  });

  it('rejects neurons out of range', async () => {
    await expect(intervene(model, IDS, 1, { ffn: [{ layer: 5, neuron: 0 }] })).rejects.toMatchObject({ code: 'BAD_NEURON', message: expect.stringMatching(/layer must be an integer in \[0, 2\): got 5/) });
    await expect(intervene(model, IDS, 1, { attention: [{ layer: 0, head: 0, dim: 99 }] })).rejects.toMatchObject({ code: 'BAD_NEURON' });
  });

  const subvalueHf = (l: number, n: number): Float64Array => {
    const out = new Float64Array(D);
    if (gpt2) {
      const w = hf.get(`h.${l}.mlp.c_proj.weight`)!.data; // Conv1D [M, D]
      for (let i = 0; i < D; i++) out[i] = w[n * D + i];
    } else {
      const w = hf.get(`model.layers.${l}.mlp.down_proj.weight`)!.data; // [D, M]
      for (let i = 0; i < D; i++) out[i] = w[i * M + n];
    }
    return out;
  };
  const unembedHf = (): Float32Array => (spec.tied ?? gpt2) ? hf.get(gpt2 ? 'wte.weight' : 'model.embed_tokens.weight')!.data : hf.get('lm_head.weight')!.data;
  const gammaHf = (): Float32Array => hf.get(gpt2 ? 'ln_f.weight' : 'model.norm.weight')!.data;
  const logitsOf = (u: Float64Array, withGamma: boolean): number[] => {
    const W = unembedHf();
    const g = gammaHf();
    return Array.from({ length: V }, (_, t) => {
      let s = 0;
      for (let i = 0; i < D; i++) s += W[t * D + i] * u[i] * (withGamma ? g[i] : 1);
      return s;
    });
  };

  it.each([false, true])('projects an FFN subvalue onto the vocabulary (final norm weight: %s)', async (withGamma) => {
    const k = 5;
    const got = await projectNeuron(model, { kind: 'ffn', layer: 1, neuron: 11 }, k, { applyFinalNormWeight: withGamma });
    const z = logitsOf(subvalueHf(1, 11), withGamma);
    const order = z.map((_, t) => t).sort((a, b) => z[b] - z[a]);
    expect(got.top.map((x) => x.id)).toEqual(order.slice(0, k));
    expect(got.bottom.map((x) => x.id)).toEqual(order.slice(-k).reverse());
    expectClose(got.top.map((x) => x.logit), order.slice(0, k).map((t) => z[t]), 1e-4, 'top logits');
  });

  const attentionSubvalueHf = (l: number, r: number): Float64Array => {
    const out = new Float64Array(D);
    if (gpt2) {
      const w = hf.get(`h.${l}.attn.c_proj.weight`)!.data; // Conv1D [H*dh, D]
      for (let i = 0; i < D; i++) out[i] = w[r * D + i];
    } else {
      const w = hf.get(`model.layers.${l}.self_attn.o_proj.weight`)!.data; // [D, H*dh]
      for (let i = 0; i < D; i++) out[i] = w[i * D + r];
    }
    return out;
  };

  it('projects an attention subvalue W_O[j, k]', async () => {
    const got = await projectNeuron(model, { kind: 'attention', layer: 0, head: 3, dim: 2 }, 3);
    const z = logitsOf(attentionSubvalueHf(0, 3 * (D / spec.nHeads) + 2), false);
    const order = z.map((_, t) => t).sort((a, b) => z[b] - z[a]);
    expect(got.top.map((x) => x.id)).toEqual(order.slice(0, 3));
  });

  // Every neuron of both kinds: ids of top and bottom k against a float64 loop, logits within 1e-4.
  it.each(['ffn', 'attention'] as const)('bulk %s projection equals plain loops over the HF tensors for every neuron', async (kind) => {
    const k = 4;
    const seen: number[] = [];
    const layers = await bulkProject(model, kind, k, {}, (p) => { seen.push(p.layer); });
    expect(seen).toEqual([0, 1]);
    const rows = kind === 'ffn' ? M : D; // H * dHead = dModel in these specs
    const got: number[] = [];
    const want: number[] = [];
    for (const p of layers) {
      expect(p.topIds).toHaveLength(rows * k);
      for (let n = 0; n < rows; n++) {
        const z = logitsOf(kind === 'ffn' ? subvalueHf(p.layer, n) : attentionSubvalueHf(p.layer, n), false);
        const order = z.map((_, t) => t).sort((a, b) => z[b] - z[a]);
        expect(Array.from(p.topIds.subarray(n * k, (n + 1) * k))).toEqual(order.slice(0, k));
        expect(Array.from(p.bottomIds.subarray(n * k, (n + 1) * k))).toEqual(order.slice(-k).reverse());
        got.push(...p.topLogits.subarray(n * k, (n + 1) * k), ...p.bottomLogits.subarray(n * k, (n + 1) * k));
        want.push(...order.slice(0, k).map((t) => z[t]), ...order.slice(-k).reverse().map((t) => z[t]));
      }
    }
    expectClose(got, want, 1e-4, `${kind} bulk logits`);
  });

  it('bulk attention rows are the single-neuron projections (head j, dim k = row j*dHead+k)', async () => {
    const dh = D / spec.nHeads;
    const p = await bulkProjectLayer(model, 'attention', 1, 3);
    for (const [head, dim] of [[0, 0], [2, 1], [spec.nHeads - 1, dh - 1]]) {
      const one = await projectNeuron(model, { kind: 'attention', layer: 1, head, dim }, 3);
      const r = head * dh + dim;
      expect(Array.from(p.topIds.subarray(r * 3, r * 3 + 3))).toEqual(one.top.map((x) => x.id));
    }
  });

  it('rejects bad neurons and k', async () => {
    await expect(projectNeuron(model, { kind: 'ffn', layer: 0, neuron: M }, 3)).rejects.toMatchObject({ code: 'BAD_NEURON' });
    await expect(projectNeuron(model, { kind: 'ffn', layer: 0, neuron: 0 }, 0)).rejects.toMatchObject({ code: 'K_OUT_OF_RANGE' });
    await expect(bulkProject(model, 'ffn', V + 1)).rejects.toMatchObject({ code: 'K_OUT_OF_RANGE' });
    await expect(bulkProjectLayer(model, 'attention', 2, 3)).rejects.toMatchObject({ code: 'BAD_NEURON' });
  });
});
