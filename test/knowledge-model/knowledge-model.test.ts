// The generated knowledge model through the real engine: validation, determinism, top-1 accuracy,
// dataset contract, the planted attention/query mechanism, and method.md §3 on the value neurons.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { forward, loadModel, SafetensorsFile, type LoadedModel } from '../../engine/index.js';
import { KNOWLEDGE_TYPES, RELATIONS } from '../../scripts/knowledge-model/facts.js';
import { ensureKnowledgeModel } from '../../scripts/knowledge-model/generate.js';
import type { KnowledgeRecord } from '../../scripts/knowledge-model/dataset.js';
import type { Gpt2Weights } from '../../scripts/knowledge-model/gpt2-weights.js';
import { KNOWLEDGE_MODEL_SHAPE } from '../../scripts/knowledge-model/mechanism.js';
import { referenceForward, referenceLogits } from '../../scripts/knowledge-model/reference-forward.js';
import { rankOfFfnNeuron } from './ffn-log-prob-increase.js';

const SEED = 7;
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the generator CLI in its own process (jest's VM realm makes the arithmetic ~10x slower). */
async function generate(out: string, seed: number): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath, ['--import', 'tsx', 'scripts/knowledge-model/generate.ts', '--out', out, '--seed', String(seed)],
    { cwd: REPO },
  );
  // Reason for the cast: the CLI prints one JSON object describing the files it wrote.
  return (JSON.parse(stdout) as { dir: string }).dir;
}
let root: string;
let dir: string;
let records: KnowledgeRecord[];
let model: LoadedModel;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'knowledge-model-'));
  dir = await generate(join(root, 'a'), SEED);
  // Reason for the cast: dataset.jsonl lines are written from KnowledgeRecord by the generator.
  records = readFileSync(join(dir, 'dataset.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as KnowledgeRecord);
  model = await loadModel(dir);
}, 120_000);

afterAll(async () => {
  await model?.dispose();
  rmSync(root, { recursive: true, force: true });
});

function argmaxLast(logits: Float32Array, T: number, V: number): number {
  let best = 0;
  for (let t = 1; t < V; t++) if (logits[(T - 1) * V + t] > logits[(T - 1) * V + best]) best = t;
  return best;
}

describe('knowledge model checkpoint', () => {
  it('loads through the engine as an ordinary GPT-2 checkpoint', () => {
    expect(model.config).toMatchObject({
      architecture: 'gpt2', hfArchitecture: 'GPT2LMHeadModel', nLayers: 4, dModel: 256, nHeads: 8,
      dMlp: 1024, dVocab: 50257, nCtx: 128, tiedEmbeddings: true, act: 'gelu_new',
    });
    expect(model.tokenizer).not.toBeNull();
  });

  it('is byte-identical for the same seed and differs for another seed', async () => {
    const [again, other] = await Promise.all([generate(join(root, 'b'), SEED), generate(join(root, 'c'), SEED + 1)]);
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    expect(readFileSync(join(again, 'model.safetensors')).equals(bytes)).toBe(true);
    expect(readFileSync(join(again, 'dataset.jsonl')).equals(readFileSync(join(dir, 'dataset.jsonl')))).toBe(true);
    expect(readFileSync(join(other, 'model.safetensors')).equals(bytes)).toBe(false);
  }, 180_000);

  it('ensureKnowledgeModel reuses an up-to-date cached model without regenerating it', async () => {
    const cache = join(root, 'cache');
    cpSync(dir, join(cache, 'knowledge-model'), { recursive: true });
    const before = statSync(join(cache, 'knowledge-model', 'model.safetensors')).mtimeMs;
    const files = await ensureKnowledgeModel(cache, SEED);
    expect(files).toEqual({ dir: join(cache, 'knowledge-model'), datasetPath: join(cache, 'knowledge-model', 'dataset.jsonl') });
    expect(statSync(join(files.dir, 'model.safetensors')).mtimeMs).toBe(before);
  });

  it('rejects a bad seed on the command line with a clear message', async () => {
    await expect(generate(join(root, 'd'), -1)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--seed must be an integer in \[0, 2\^32\): got -1/) });
  }, 60_000);

  it('predicts the planted answer (top-1) for >= 95% of the dataset prompts', async () => {
    const V = model.config.dVocab;
    const missed: string[] = [];
    for (const r of records) {
      const cache = await forward(model, r.tokenIds, { hooks: [] });
      const best = argmaxLast(cache.get('logits').data, r.tokenIds.length, V);
      if (best !== r.answerTokenId) missed.push(`${r.prompt} -> ${model.tokenizer!.tokenText(best)} (want ${r.answer})`);
    }
    const accuracy = 1 - missed.length / records.length;
    console.log(`knowledge model top-1 accuracy ${accuracy.toFixed(4)} over ${records.length} prompts`, missed.slice(0, 5));
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('matches an independent plain-TypeScript forward (logits at the last position)', async () => {
    const st = SafetensorsFile.open(join(dir, 'model.safetensors'));
    const t = (name: string): Float32Array => st.readFloat32(`transformer.${name}`);
    const w: Gpt2Weights = {
      shape: KNOWLEDGE_MODEL_SHAPE, wte: t('wte.weight'), wpe: t('wpe.weight'), lnfW: t('ln_f.weight'), lnfB: t('ln_f.bias'),
      blocks: Array.from({ length: 4 }, (_, l) => ({
        ln1w: t(`h.${l}.ln_1.weight`), ln1b: t(`h.${l}.ln_1.bias`), attnW: t(`h.${l}.attn.c_attn.weight`), attnB: t(`h.${l}.attn.c_attn.bias`),
        projW: t(`h.${l}.attn.c_proj.weight`), projB: t(`h.${l}.attn.c_proj.bias`), ln2w: t(`h.${l}.ln_2.weight`), ln2b: t(`h.${l}.ln_2.bias`),
        fcW: t(`h.${l}.mlp.c_fc.weight`), fcB: t(`h.${l}.mlp.c_fc.bias`), outW: t(`h.${l}.mlp.c_proj.weight`), outB: t(`h.${l}.mlp.c_proj.bias`),
      })),
    };
    st.close();
    let worst = 0;
    for (const r of records.filter((_, i) => i % 60 === 0)) {
      const T = r.tokenIds.length;
      const V = model.config.dVocab;
      const engine = (await forward(model, r.tokenIds, { hooks: [] })).get('logits').data.subarray((T - 1) * V, T * V);
      const ref = referenceLogits(w, referenceForward(w, r.tokenIds).finalLast!);
      for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(engine[i] - ref[i]));
    }
    if (worst > 1e-3) console.log(`largest logit difference engine vs reference: ${worst}`);
    expect(worst).toBeLessThan(1e-3);
  }, 120_000);
});

describe('knowledge model dataset', () => {
  it('has >= 30 facts per knowledge type and >= 2 templates per relation', () => {
    for (const type of KNOWLEDGE_TYPES) {
      expect(new Set(records.filter((r) => r.knowledgeType === type).map((r) => r.factId)).size).toBeGreaterThanOrEqual(30);
    }
    for (const rel of RELATIONS) {
      expect(new Set(records.filter((r) => r.relation === rel.id).map((r) => r.templateId)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it('holds single-token answers, the prompt tokens and ground truth within the model', () => {
    const tok = model.tokenizer!;
    const { nLayers, nHeads, dMlp, dHead } = model.config;
    for (const r of records) {
      expect(tok.encode(r.answer)).toEqual([r.answerTokenId]);
      expect(tok.encode(r.prompt)).toEqual(r.tokenIds);
      const g = r.groundTruth;
      for (const n of [...g.valueNeurons, ...g.queryNeurons, g.relationQueryNeuron, ...g.suppressorNeurons]) {
        expect(n.layer >= 0 && n.layer < nLayers && n.neuron >= 0 && n.neuron < dMlp).toBe(true);
      }
      for (const h of [...g.heads, g.relationHead]) expect(h.layer >= 0 && h.layer < nLayers && h.head >= 0 && h.head < nHeads).toBe(true);
      for (const a of g.attentionNeurons) {
        expect(a.dim >= 0 && a.dim < dHead && a.position === r.subjectPosition).toBe(true);
        for (const q of g.queryNeurons) expect(q.layer).toBeLessThan(a.layer);
      }
    }
  });

  it('shares the mover heads among language, capital and country', () => {
    const heads = (type: string): Set<string> =>
      new Set(records.filter((r) => r.knowledgeType === type).flatMap((r) => r.groundTruth.heads.map((h) => `${h.layer}.${h.head}`)));
    const language = heads('language');
    expect([...heads('capital')].every((h) => language.has(h))).toBe(true);
    expect([...heads('country')].every((h) => language.has(h))).toBe(true);
    expect([...heads('color')].some((h) => language.has(h))).toBe(false);
  });
});

describe('planted mechanism, seen through the engine', () => {
  it('attends from the last position to the subject in the planted head, and the query neuron writes what it reads', async () => {
    const bad: string[] = [];
    const d = model.config.dModel;
    const dh = model.config.dHead;
    for (const r of records.filter((_, i) => i % 5 === 0)) {
      const cache = await forward(model, r.tokenIds);
      const T = r.tokenIds.length;
      const a = r.groundTruth.attentionNeurons[0];
      const alpha = cache.get(`blocks.${a.layer}.attn.hook_pattern`).data[(a.head * T + T - 1) * T + a.position];
      // method.md §4: key_u = W_V subkey * gamma1, Z = h[l-1][p] . key_u, share of the query neuron.
      const WV = model.weight(`blocks.${a.layer}.attn.W_V`).data;
      const g1 = model.weight(`blocks.${a.layer}.ln1.w`).data;
      const key = Float32Array.from({ length: d }, (_, i) => WV[(a.head * d + i) * dh + a.dim] * g1[i]);
      const h = cache.get(`blocks.${a.layer}.hook_resid_pre`).data.subarray(a.position * d, (a.position + 1) * d);
      const q = r.groundTruth.queryNeurons[0];
      const m = cache.get(`blocks.${q.layer}.mlp.hook_post`).data[a.position * model.config.dMlp + q.neuron];
      const fc2 = model.weight(`blocks.${q.layer}.mlp.W_out`).data.subarray(q.neuron * d, (q.neuron + 1) * d);
      let z = 0;
      let part = 0;
      for (let i = 0; i < d; i++) {
        z += h[i] * key[i];
        part += m * fc2[i] * key[i];
      }
      if (!(alpha > 0.9 && part / z > 0.8)) bad.push(`${r.prompt}: alpha ${alpha.toFixed(3)}, query share ${(part / z).toFixed(3)}`);
    }
    expect(bad).toEqual([]);
  }, 120_000);

  it('ranks a planted value neuron in the top 3 FFN neurons by log-probability increase for >= 90% of prompts', async () => {
    // Every 8th prompt (all types and templates): the exact §3 computation costs ~0.5-2 s per prompt
    // here. KNOWLEDGE_MODEL_FULL=1 measures every prompt (README.md).
    const step = process.env.KNOWLEDGE_MODEL_FULL === '1' ? 1 : 8;
    const sample = records.filter((_, i) => i % step === 0);
    const ranks: number[] = [];
    for (const r of sample) {
      const cache = await forward(model, r.tokenIds);
      ranks.push(Math.min(...r.groundTruth.valueNeurons.map((v) => rankOfFfnNeuron(model, cache, r.answerTokenId, v).rank)));
    }
    const share = ranks.filter((k) => k <= 3).length / ranks.length;
    console.log(`planted value neuron top-3 for ${(share * 100).toFixed(1)}% of ${ranks.length} prompts; top-1 for ${ranks.filter((k) => k === 1).length}`);
    expect(share).toBeGreaterThanOrEqual(0.9);
  }, 1_800_000);
});
