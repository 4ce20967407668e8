// Storage variants load to the same canonical weights: F16/BF16 equal the fp32 values rounded to
// that dtype, sharded equals unsharded, GPT-2 with and without the `transformer.` prefix.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forward, loadCheckpoint, loadModel } from '../../engine/index.js';
import { encodeSafetensors } from '../../engine/checkpoint/write-safetensors.js';
import { SafetensorsFile } from '../../engine/checkpoint/safetensors-reader.js';
import { randomHfTensors, writeRandomCheckpoint, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { expectClose, makeTempDir, removeDir } from './helpers.js';

const SPEC: RandomCheckpointSpec = {
  architecture: 'llama', nLayers: 2, dModel: 16, nHeads: 4, nKvHeads: 2, dMlp: 24, dVocab: 30, nCtx: 8, std: 0.5, seed: 31, randomAffine: true,
};

/** Independent rounding to f16 in float64 arithmetic (round half to even; normal and subnormal range). */
function roundToF16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  let q = a / ulp;
  const f = Math.floor(q);
  q = q - f > 0.5 || (q - f === 0.5 && f % 2 === 1) ? f + 1 : f; // round half to even
  return Math.sign(x) * q * ulp;
}
function roundToBf16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const ulp = 2 ** (Math.floor(Math.log2(a)) - 7);
  let q = a / ulp;
  const f = Math.floor(q);
  q = q - f > 0.5 || (q - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * q * ulp;
}

describe('checkpoint storage variants', () => {
  const dirs: string[] = [];
  const make = (spec: RandomCheckpointSpec): string => {
    const dir = makeTempDir();
    dirs.push(dir);
    writeRandomCheckpoint(dir, spec);
    return dir;
  };
  afterAll(() => dirs.forEach(removeDir));

  it.each([
    ['F16', roundToF16],
    ['BF16', roundToBf16],
  ] as const)('%s weights load as the fp32 weights rounded to %s', (dtype, round) => {
    const f32 = loadCheckpoint(make(SPEC));
    const half = loadCheckpoint(make({ ...SPEC, dtype }));
    expect([...half.weights.keys()]).toEqual([...f32.weights.keys()]);
    for (const [name, w] of f32.weights) {
      const expected = Array.from(w.data, round);
      expectClose(half.weights.get(name)!.data, expected, 0, `${dtype} ${name}`);
    }
  });

  it('sharded (3 shards + index) loads equal to unsharded', () => {
    const dir = make({ ...SPEC, shards: 3 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.safetensors'))).toHaveLength(3);
    const sharded = loadCheckpoint(dir);
    const single = loadCheckpoint(make(SPEC));
    expect(sharded.files).toHaveLength(3);
    for (const [name, w] of single.weights) expectClose(sharded.weights.get(name)!.data, w.data, 0, name);
  });

  it('GPT-2 with and without the transformer. prefix load the same weights and logits', async () => {
    const spec: RandomCheckpointSpec = { architecture: 'gpt2', nLayers: 1, dModel: 8, nHeads: 2, dMlp: 16, dVocab: 20, nCtx: 8, seed: 3 };
    const a = await loadModel(make(spec));
    const b = await loadModel(make({ ...spec, gpt2Prefix: '' }));
    try {
      const ids = [1, 2, 3];
      expectClose((await forward(a, ids)).get('logits').data, (await forward(b, ids)).get('logits').data, 0, 'logits');
      expect(a.weight('unembed.W_U').data).toBe(a.weight('embed.W_E').data);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('ignores extra tensors such as the hub GPT-2 causal-mask buffers (h.{l}.attn.bias)', async () => {
    const spec: RandomCheckpointSpec = { architecture: 'gpt2', nLayers: 1, dModel: 8, nHeads: 2, dMlp: 16, dVocab: 20, nCtx: 8, seed: 3, gpt2Prefix: '' };
    const plain = make(spec);
    const withBuffers = make(spec);
    const tensors = new Map([...randomHfTensors(spec)].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
    tensors.set('h.0.attn.bias', { shape: [1, 1, 8, 8], data: new Float32Array(64).fill(1) });
    tensors.set('h.0.attn.masked_bias', { shape: [], data: new Float32Array([-1e4]) });
    writeFileSync(join(withBuffers, 'model.safetensors'), encodeSafetensors(tensors));
    const a = loadCheckpoint(plain);
    const b = loadCheckpoint(withBuffers);
    expect([...b.weights.keys()]).toEqual([...a.weights.keys()]);
    for (const [name, w] of a.weights) expectClose(b.weights.get(name)!.data, w.data, 0, name);
  });

  it('reads a hand-built file with the reader directly (header fields and values)', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const path = join(dir, 'x.safetensors');
    writeFileSync(path, encodeSafetensors({ a: { shape: [2, 2], data: new Float32Array([1, -2, 3.5, 0.25]), dtype: 'F16' }, b: { shape: [0], data: new Float32Array(0) } }));
    const file = SafetensorsFile.open(path);
    try {
      expect(file.entries.get('a')).toMatchObject({ dtype: 'F16', shape: [2, 2], begin: 0, end: 8 });
      expect(Array.from(file.readFloat32('a'))).toEqual([1, -2, 3.5, 0.25]);
      expect(file.readFloat32('b')).toHaveLength(0);
      expect(() => file.readFloat32('zzz')).toThrow(/no tensor zzz/);
    } finally {
      file.close();
    }
  });
});
