// `npm run atlas -- attribute` as a child process on a tiny GPT-2-vocabulary checkpoint with the
// real GPT-2 tokenizer, and bad input by kind (engine errors and CLI exit code 2).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attribute, AttributionError, loadModel, type LoadedModel } from '../../engine/index.js';
import { writeRandomCheckpoint } from '../../scripts/lib/random-checkpoint.js';
import { expectClose, makeTempDir, removeDir } from '../engine/helpers.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const atlas = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'atlas.ts'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

interface AttributeJson {
  target: { id: number; text: string | null; prob: number };
  ffnNeurons: { layer: number; neuron: number; score: number; coefficient: number }[];
  attentionNeurons: { layer: number; head: number; dim: number; position: number; score: number }[];
  layers: { layer: number; attention: number; ffn: number }[];
  heads: { layer: number; head: number; score: number }[];
  queryNeurons: { layer: number; neuron: number; score: number }[];
}

const descending = (xs: number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1] >= x);

describe('atlas attribute', () => {
  let dir: string;
  let model: LoadedModel;
  beforeAll(async () => {
    dir = makeTempDir('atlas-attr-cli-');
    writeRandomCheckpoint(dir, {
      architecture: 'gpt2', nLayers: 2, dModel: 16, nHeads: 2, dMlp: 32, dVocab: 50257, nCtx: 12, seed: 5, std: 0.5, gpt2Tokenizer: true,
    });
    model = await loadModel(dir);
  });
  afterAll(async () => {
    await model?.dispose();
    removeDir(dir);
  });

  it('prints the documented JSON, sorted best first, equal to attribute()', async () => {
    const r = atlas('attribute', '--model', dir, '--prompt', 'The capital of France is', '--top', '7', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as AttributeJson;
    const ids = model.tokenizer!.encode('The capital of France is');
    const res = await attribute(model, ids, { top: 7 });
    expect(doc.target.id).toBe(res.target.id);
    expect(doc.target.text).toBe(model.tokenizer!.tokenText(res.target.id));
    expect(doc.ffnNeurons).toHaveLength(7);
    expect(doc.attentionNeurons).toHaveLength(7);
    expect(doc.queryNeurons).toHaveLength(7);
    expect(doc.layers).toHaveLength(2);
    expect(doc.heads).toHaveLength(4);
    for (const list of [doc.ffnNeurons, doc.attentionNeurons, doc.heads, doc.queryNeurons]) expect(descending(list.map((x) => x.score))).toBe(true);
    expect(descending(doc.layers.map((x) => Math.max(x.attention, x.ffn)))).toBe(true);
    expectClose(doc.ffnNeurons.map((n) => n.score), res.ffnNeurons.map((n) => n.score), 1e-9, 'CLI vs engine');
    expect(Object.keys(doc.attentionNeurons[0]).sort()).toEqual(['coefficient', 'dim', 'head', 'layer', 'position', 'score']);
  });

  it('accepts a single-token text target and a method letter', () => {
    const r = atlas('attribute', '--model', dir, '--ids', '464,3139,286', '--target', ' Paris', '--method', 'g', '--top', '3', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as AttributeJson & { method: string };
    expect(doc.target.id).toBe(6342);
    expect(doc.method).toBe('coefficient-norm');
  });

  it.each([
    ['multi-token target', ['--ids', '1,2', '--target', ' Parisian capital'], 'TARGET_NOT_ONE_TOKEN', /exactly one token: got \d+ tokens/],
    ['target id out of vocabulary', ['--ids', '1,2', '--target-id', '60000'], 'TARGET_NOT_IN_VOCAB', /\[0, 50257\): got 60000/],
    ['empty prompt', ['--prompt', ''], 'EMPTY_PROMPT', /at least one token/],
    ['prompt longer than the context', ['--ids', Array.from({ length: 13 }, () => '5').join(',')], 'PROMPT_TOO_LONG', /\[1, 12\].*got 13/],
    ['k = 0', ['--ids', '1,2', '--top', '0'], 'K_OUT_OF_RANGE', /top must be an integer in \[1, 64\]: got 0/],
    ['k above the neuron count', ['--ids', '1,2', '--top', '65'], 'K_OUT_OF_RANGE', /got 65/],
    ['unknown method', ['--ids', '1,2', '--method', 'zz'], 'UNKNOWN_METHOD', /one of a-h/],
  ])('EXPECTED FAILURE: %s -> %s', (_label, args, code, pattern) => {
    const r = atlas('attribute', '--model', dir, ...args, '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${code}:`);
    expect(r.stderr).toMatch(pattern);
  });

  it.each([
    ['empty prompt', [], {}, 'EMPTY_PROMPT'],
    ['prompt too long', Array.from({ length: 13 }, () => 1), {}, 'PROMPT_TOO_LONG'],
    ['token out of vocabulary', [1, 50257], {}, 'TOKEN_OUT_OF_VOCAB'],
    ['target out of vocabulary', [1, 2], { target: -1 }, 'TARGET_NOT_IN_VOCAB'],
    ['k not an integer', [1, 2], { top: 2.5 }, 'K_OUT_OF_RANGE'],
  ] as const)('EXPECTED FAILURE (engine): %s -> %s', async (_label, ids, opts, code) => {
    const p = attribute(model, ids, opts);
    await expect(p).rejects.toBeInstanceOf(AttributionError);
    await expect(p).rejects.toMatchObject({ code });
  });
});
