// `atlas evaluate` end to end on the planted-facts knowledge model (a subset of its dataset), as a
// real process: the filter's counts by reason, log-prob-increase ablation beating the random
// control, value/query ablations next to controls of the same size, identical numbers on a second
// run, one sentence re-checked through the public intervene(), and bad input by kind.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attribute, forward, intervene, loadModel, logSoftmax, type LoadedModel } from '../../engine/index.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NODE = [process.execPath, '--experimental-wasm-modules', '--import', 'tsx'];

interface Run { code: number; stdout: string; stderr: string }
function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(NODE[0], [...NODE.slice(1), ...args], { cwd: REPO, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Stats { rank: number; prob: number; logProb: number }
interface Metrics { n: number; before: { mrr: number; prob: number }; after: { mrr: number; prob: number }; decreasePct: { mrr: number; prob: number } }
interface Doc {
  filter: { total: number; kept: number; dropped: Record<string, number>; byType: Record<string, { total: number; kept: number }> };
  conditions: { name: string; kind: string; ablated: { ffn: number; attention: number }; overall: Metrics; byType: Record<string, Metrics> }[];
  sentences: { id: string; knowledgeType: string; target: number; before: Stats; after: Record<string, Stats> }[];
}
interface KnowledgeRecord { id: string; prompt: string; answer: string; answerTokenId: number; knowledgeType: string; tokenIds: number[] }

let dir: string;
let tmp: string;
let datasetPath: string;
let model: LoadedModel;
let first: Run;
let doc: Doc;
const ARGS = ['--methods', 'a,e', '--k', '10', '--value-attention', '20', '--value-ffn', '10', '--query-neurons', '50', '--seed', '3', '--json', '--sentences'];

beforeAll(async () => {
  // The generator in its own process (jest's VM realm makes its arithmetic ~10x slower).
  const gen = await run(['--input-type=module', '-e',
    "const m = await import('./scripts/knowledge-model/generate.ts'); process.stdout.write(JSON.stringify(await m.ensureKnowledgeModel()));"]);
  if (gen.code !== 0) throw new Error(`knowledge model generation failed: ${gen.stderr}`);
  dir = (JSON.parse(gen.stdout) as { dir: string }).dir;
  model = await loadModel(dir);
  const all = readFileSync(join(dir, 'dataset.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as KnowledgeRecord);
  const firstOfType = [...new Map(all.map((r) => [r.knowledgeType, r] as const)).keys()].map((t) => all.find((r) => r.knowledgeType === t)!);
  const base = firstOfType[0];
  const lp = logSoftmax((await forward(model, base.tokenIds, { hooks: ['logits'] })).get('logits').data.slice(-model.config.dVocab));
  const second = Array.from(lp.keys()).sort((a, b) => lp[b] - lp[a])[1];
  const otherType = firstOfType.find((r) => r.answerTokenId !== base.answerTokenId && lp[r.answerTokenId] < lp[second])!;
  const lines = [
    ...firstOfType,
    { ...base, id: 'kept-with-candidate', candidates: [otherType.answerTokenId] },
    { ...base, id: 'below-candidate', answerTokenId: second, candidates: [base.answerTokenId] },
    { ...base, id: 'not-in-top-k', answerTokenId: all.map((r) => r.answerTokenId).find((t) => lp.filter((x) => x > lp[t]).length >= 10)! },
    { id: 'invalid', prompt: base.prompt, answer: ' San Francisco Bay', knowledgeType: base.knowledgeType },
  ];
  tmp = mkdtempSync(join(tmpdir(), 'evaluate-'));
  datasetPath = join(tmp, 'subset.jsonl');
  writeFileSync(datasetPath, lines.map((l) => JSON.stringify(l)).join('\n'));
  first = await run(['scripts/atlas.ts', 'evaluate', '--model', dir, '--dataset', datasetPath, ...ARGS]);
  if (first.code !== 0) throw new Error(`evaluate failed: ${first.stderr}`);
  doc = JSON.parse(first.stdout) as Doc;
}, 600_000);

afterAll(async () => {
  if (model) {
    await model.dispose();
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const cond = (name: string) => doc.conditions.find((c) => c.name === name)!;

describe('atlas evaluate on the knowledge model', () => {
  it('filters by top-10 and candidates and reports kept/total per reason and type', () => {
    expect(doc.filter).toMatchObject({ total: 10, kept: 7, dropped: { invalid: 1, 'not-in-top-k': 1, 'below-candidate': 1 } });
    expect(doc.sentences.map((s) => s.id)).not.toContain('below-candidate');
    expect(Object.keys(doc.filter.byType)).toHaveLength(6);
  });

  it('log-prob-increase ablation lowers MRR and probability more than the random control', () => {
    const a = cond('log-prob-increase').overall;
    const r = cond('random-top-10').overall;
    expect(a.decreasePct.mrr).toBeGreaterThan(r.decreasePct.mrr + 10);
    expect(a.decreasePct.prob).toBeGreaterThan(r.decreasePct.prob + 10);
    expect(cond('log-prob-increase').ablated).toEqual({ ffn: 10, attention: 0 });
    expect(cond('random-top-10').ablated).toEqual({ ffn: 10, attention: 0 });
  });

  it('reports value and query ablations as % decrease of MRR and probability next to controls of the same size', () => {
    for (const [name, control] of [['value-neurons', 'random-value-neurons'], ['query-neurons', 'random-query-neurons']]) {
      const c = cond(name);
      const r = cond(control);
      expect(r.ablated).toEqual(c.ablated);
      expect(c.overall.decreasePct.mrr).toBeGreaterThan(r.overall.decreasePct.mrr);
      expect(c.overall.decreasePct.prob).toBeGreaterThan(r.overall.decreasePct.prob);
      expect(Object.keys(c.byType).sort()).toEqual(Object.keys(doc.filter.byType).sort());
    }
    expect(cond('value-neurons').ablated.ffn).toBe(10);
    expect(cond('value-neurons').ablated.attention).toBeGreaterThan(0);
    expect(cond('value-neurons').ablated.attention).toBeLessThanOrEqual(20);
    expect(cond('query-neurons').ablated).toEqual({ ffn: 50, attention: 0 });
  });

  it('the dataset metrics are the means of the per-sentence statistics', () => {
    for (const c of doc.conditions) {
      const mrr = doc.sentences.reduce((acc, s) => acc + 1 / s.after[c.name].rank, 0) / doc.sentences.length;
      const before = doc.sentences.reduce((acc, s) => acc + s.before.prob, 0) / doc.sentences.length;
      expect(Math.abs(c.overall.after.mrr - mrr)).toBeLessThan(1e-12);
      expect(Math.abs(c.overall.before.prob - before)).toBeLessThan(1e-12);
    }
  });

  it('one sentence re-checked through attribute() + intervene() gives the same before/after', async () => {
    const s = doc.sentences[0];
    const rec = (readFileSync(datasetPath, 'utf8').split('\n').map((l) => JSON.parse(l) as KnowledgeRecord)).find((r) => r.id === s.id)!;
    const res = await attribute(model, rec.tokenIds, { target: rec.answerTokenId, top: 10, queryTop: 1 });
    const check = await intervene(model, rec.tokenIds, rec.answerTokenId, { ffn: res.ffnNeurons.map(({ layer, neuron }) => ({ layer, neuron })) });
    const diff = Math.max(Math.abs(check.before.logProb - s.before.logProb), Math.abs(check.after.logProb - s.after['log-prob-increase'].logProb));
    if (diff > 1e-4) throw new Error(`largest log-prob difference ${diff}`);
    expect(check.after.rank).toBe(s.after['log-prob-increase'].rank);
  }, 120_000);

  it('a second run prints identical numbers', async () => {
    const again = await run(['scripts/atlas.ts', 'evaluate', '--model', dir, '--dataset', datasetPath, ...ARGS]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  }, 600_000);

  it.each([
    ['missing dataset', ['--model', 'nowhere', '--dataset', '/nonexistent/data.jsonl'], /DATASET_NOT_FOUND: cannot read dataset \/nonexistent/],
    ['unknown method', ['--model', 'nowhere', '--dataset', '/nonexistent', '--methods', 'a,z'], /UNKNOWN_METHOD: method must be one of a-h/],
    ['no model', ['--dataset', 'x'], /--model DIR is required/],
    ['bad k', ['--model', 'm', '--dataset', 'x', '--k', 'ten'], /--k must be a non-negative integer: got "ten"/],
  ])('EXPECTED FAILURE: %s exits 2 with a clear message', async (_name, args, message) => {
    const r = await run(['scripts/atlas.ts', 'evaluate', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  }, 60_000);
});
