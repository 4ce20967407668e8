// `npm run atlas -- forward` as a real child process on a generated GPT-2 checkpoint with GPT-2's
// real tokenizer.json: JSON fields, agreement with the engine's own forward, usage errors.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forward, loadModel } from '../../engine/index.js';
import { writeRandomCheckpoint } from '../../scripts/lib/random-checkpoint.js';
import { expectClose, makeTempDir, removeDir } from './helpers.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const atlas = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'atlas.ts'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

interface ForwardJson {
  ids: number[];
  top: { id: number; text: string | null; logit: number; prob: number }[];
  generated?: number[];
  logits?: number[];
}

describe('atlas forward', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
    writeRandomCheckpoint(dir, {
      architecture: 'gpt2', nLayers: 1, dModel: 8, nHeads: 2, dMlp: 16, dVocab: 50257, nCtx: 16, seed: 9, std: 0.5, gpt2Tokenizer: true,
    });
  });
  afterAll(() => removeDir(dir));

  it('prints ids, top-10, greedy continuation and last logits as JSON, consistent with forward()', async () => {
    const r = atlas('forward', '--model', dir, '--prompt', 'In France, people speak', '--generate', '3', '--logits', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ForwardJson;
    expect(doc.ids).toEqual([818, 4881, 11, 661, 2740]);
    expect(doc.top).toHaveLength(10);
    expect(doc.generated).toHaveLength(3);
    expect(doc.logits).toHaveLength(50257);
    const model = await loadModel(dir);
    try {
      const logits = (await forward(model, doc.ids)).get('logits').data.subarray(4 * 50257);
      expectClose(doc.logits!, logits, 1e-6, 'last logits');
      const best = doc.logits!.indexOf(Math.max(...doc.logits!));
      expect(doc.top[0].id).toBe(best);
      expect(doc.generated![0]).toBe(best);
      expect(doc.top[0].text).toBe(model.tokenizer!.tokenText(best));
      for (let i = 1; i < 10; i++) expect(doc.top[i].logit).toBeLessThanOrEqual(doc.top[i - 1].logit);
      const lse = Math.log(doc.logits!.reduce((a, x) => a + Math.exp(x), 0));
      expect(doc.top[0].prob).toBeCloseTo(Math.exp(doc.top[0].logit - lse), 6);
    } finally {
      await model.dispose();
    }
  });

  it('accepts token ids and omits generated/logits unless asked', () => {
    const r = atlas('forward', '--model', dir, '--ids', '1,2,3', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ForwardJson;
    expect(doc.ids).toEqual([1, 2, 3]);
    expect(Object.keys(doc)).toEqual(['ids', 'top']);
  });

  it.each([
    ['no prompt', ['--model', 'X'], /give exactly one of --prompt TEXT or --ids/],
    ['bad ids', ['--model', 'X', '--ids', '1,x'], /--ids must be a non-negative integer: got "x"/],
    ['a missing model folder', ['--model', '/nonexistent-atlas', '--ids', '1'], /MISSING_FILE: \/nonexistent-atlas\/config\.json/],
  ])('EXPECTED FAILURE: %s exits 2 with a message', (_label, args, pattern) => {
    const r = atlas('forward', ...args.map((a) => (a === 'X' ? dir : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });

  it('EXPECTED FAILURE: an unknown command lists the commands', () => {
    const r = atlas('nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "nope"[\s\S]*forward/);
  });
});
