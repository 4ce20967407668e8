// Every attribution score against the naive loops of test/reference/naive-attribution.ts on tiny
// random GPT-2 and Llama (GQA) checkpoints: FFN and attention neurons, layers, heads, head x
// position, query neurons, layer-level query scores and every baseline; pruned = exact-all.
import { attributeCache, forward, loadModel, type LoadedModel } from '../../engine/index.js';
import { METHODS, type MethodName } from '../../engine/attribution/baselines.js';
import type { AttributionResult } from '../../engine/attribution/attribute.js';
import { writeRandomCheckpoint, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { NaiveAttributor, type NaiveAttribution } from '../reference/naive-attribution.js';
import { naiveForward } from '../reference/naive-forward.js';
import { expectClose, makeTempDir, naiveConfigOf, removeDir } from '../engine/helpers.js';
import type { ForwardCache } from '../../engine/types.js';

const TOL = 1e-4;
const base = { nLayers: 3, dModel: 24, nHeads: 4, dMlp: 40, dVocab: 61, nCtx: 16, std: 0.4, randomAffine: true } as const;
const CASES: [string, RandomCheckpointSpec][] = [
  ['gpt2', { ...base, architecture: 'gpt2', seed: 11 }],
  ['llama GQA 4/2', { ...base, architecture: 'llama', nKvHeads: 2, seed: 12, tied: false }],
];
const IDS = [5, 17, 3, 60, 0, 42, 17];

describe.each(CASES)('attribution vs naive reference: %s', (_label, spec) => {
  let dir: string;
  let model: LoadedModel;
  let cache: ForwardCache;
  let naive: NaiveAttributor;
  let ref: NaiveAttribution;
  let exact: AttributionResult;
  let pruned: AttributionResult;
  const { nLayers: L, dMlp: M, nHeads: H } = spec;
  const DH = spec.dModel / spec.nHeads;
  const T = IDS.length;

  beforeAll(async () => {
    dir = makeTempDir('atlas-attr-');
    const hf = writeRandomCheckpoint(dir, spec);
    model = await loadModel(dir);
    cache = await forward(model, IDS);
    const hooks = naiveForward(naiveConfigOf(spec), hf, IDS);
    exact = await attributeCache(model, cache, { top: L * M, exactAll: true, headPositions: true });
    pruned = await attributeCache(model, cache, { top: 25, headPositions: true });
    naive = new NaiveAttributor(naiveConfigOf(spec), hf, hooks, exact.target.id, T);
    ref = naive.all();
  });
  afterAll(async () => {
    await model?.dispose();
    removeDir(dir);
  });

  it('targets the top-1 prediction of the real logits', () => {
    const logits = naive.row('logits', T - 1);
    expect(exact.target.id).toBe(logits.indexOf(Math.max(...logits)));
  });

  it('scores every FFN neuron like the naive formula', () => {
    expect(exact.ffnNeurons).toHaveLength(L * M);
    expectClose(exact.ffnNeurons.map((n) => n.score), exact.ffnNeurons.map((n) => ref.ffn[n.layer * M + n.neuron]), TOL, 'FFN scores');
    expectClose(exact.ffnNeurons.map((n) => n.coefficient), exact.ffnNeurons.map((n) => ref.coefficient[n.layer * M + n.neuron]), TOL, 'coefficients');
    const sorted = [...ref.ffn].sort((a, b) => b - a);
    expectClose(exact.ffnNeurons.map((n) => n.score), sorted, TOL, 'FFN ranking');
  });

  it('scores attention neurons like the naive formula', () => {
    const idx = (n: { layer: number; head: number; dim: number; position: number }): number => ((n.layer * H + n.head) * DH + n.dim) * T + n.position;
    expectClose(exact.attentionNeurons.map((n) => n.score), exact.attentionNeurons.map((n) => ref.attention[idx(n)]), TOL, 'attention scores');
    const sorted = [...ref.attention].sort((a, b) => b - a).slice(0, exact.attentionNeurons.length);
    expectClose(exact.attentionNeurons.map((n) => n.score), sorted, TOL, 'attention ranking');
  });

  it('pruned top-k equals exact-all', () => {
    const key = (n: object): string => JSON.stringify(Object.entries(n).filter(([k]) => k !== 'score' && k !== 'coefficient'));
    expect(pruned.ffnNeurons.map(key)).toEqual(exact.ffnNeurons.slice(0, 25).map(key));
    expect(pruned.attentionNeurons.map(key)).toEqual(exact.attentionNeurons.slice(0, 25).map(key));
    expectClose(pruned.ffnNeurons.map((n) => n.score), exact.ffnNeurons.slice(0, 25).map((n) => n.score), 1e-6, 'pruned FFN');
    expect(pruned.stats.ffnScored).toBeLessThan(L * M);
  });

  it('scores layers, heads and heads by position', () => {
    const byLayer = [...exact.layers].sort((a, b) => a.layer - b.layer);
    expectClose(byLayer.map((x) => x.attention), ref.layerAttention, TOL, 'attention layers');
    expectClose(byLayer.map((x) => x.ffn), ref.layerFfn, TOL, 'FFN layers');
    expectClose(exact.heads.map((h) => h.score), exact.heads.map((h) => ref.heads[h.layer * H + h.head]), TOL, 'heads');
    expect(exact.headPositions).toHaveLength(L * H * T);
    expectClose(exact.headPositions.map((h) => h.score), exact.headPositions.map((h) => ref.headPositions[(h.layer * H + h.head) * T + h.position]), TOL, 'head x position');
  });

  it('scores query neurons and layer-level query scores', () => {
    const units = exact.attentionNeurons.slice(0, 30);
    const s = naive.ffnQuery(units);
    expectClose(exact.queryNeurons.map((q) => q.score), exact.queryNeurons.map((q) => s[q.layer * M + q.neuron]), TOL, 'query neurons');
    expectClose(exact.queryNeurons.map((q) => q.score), [...s].sort((a, b) => b - a).slice(0, exact.queryNeurons.length), TOL, 'query ranking');
    const lq = naive.layerQuery(exact.ffnNeurons.slice(0, 30), units);
    for (const kind of ['ffnValues', 'attentionValues'] as const) {
      const got = exact.queryLayers[kind];
      expectClose([got.embedding, ...got.layers.map((x) => x.attention), ...got.layers.map((x) => x.ffn)],
        [lq[kind].embedding, ...lq[kind].attention, ...lq[kind].ffn], TOL, `layer query (${kind})`);
    }
  });

  it.each(Object.entries(METHODS).filter(([l]) => l !== 'a'))('baseline %s (%s) matches the naive formula', async (letter, name) => {
    const res = await attributeCache(model, cache, { top: L * M, method: name as MethodName, queryTop: 5 });
    const expected = naive.baselines()[letter as 'b'];
    expectClose(res.ffnNeurons.map((n) => n.score), res.ffnNeurons.map((n) => expected[n.layer * M + n.neuron]), TOL, `baseline ${letter}`);
    expectClose(res.ffnNeurons.map((n) => n.score), [...expected].sort((a, b) => b - a), TOL, `baseline ${letter} ranking`);
    if (letter === 'b' || letter === 'c') {
      const all = await attributeCache(model, cache, { top: 10, method: name as MethodName, queryTop: 5, exactAll: true });
      const top = await attributeCache(model, cache, { top: 10, method: name as MethodName, queryTop: 5 });
      expect(top.ffnNeurons.map((n) => [n.layer, n.neuron])).toEqual(all.ffnNeurons.map((n) => [n.layer, n.neuron]));
    }
  });
});
