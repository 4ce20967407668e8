// Writes a random GPT-2 or Llama checkpoint in Hugging Face layout.
// Usage: node --import tsx scripts/generate-checkpoint.ts --out DIR (--preset gpt2-small | --arch gpt2|llama
//   --layers N --d-model N --heads N [--kv-heads N] [--head-dim N] --d-mlp N --vocab N --ctx N)
//   [--seed N] [--std X] [--dtype F32|F16|BF16] [--shards N] [--untied] [--gpt2-tokenizer] [--random-affine]
import { parseArgs } from 'node:util';
import { PRESETS, writeRandomCheckpoint, type PresetName, type RandomCheckpointSpec } from './lib/random-checkpoint.js';

const { values: v } = parseArgs({
  options: {
    out: { type: 'string' }, preset: { type: 'string' }, arch: { type: 'string' },
    layers: { type: 'string' }, 'd-model': { type: 'string' }, heads: { type: 'string' }, 'kv-heads': { type: 'string' },
    'head-dim': { type: 'string' }, 'd-mlp': { type: 'string' }, vocab: { type: 'string' }, ctx: { type: 'string' },
    seed: { type: 'string' }, std: { type: 'string' }, dtype: { type: 'string' }, shards: { type: 'string' },
    untied: { type: 'boolean' }, 'gpt2-tokenizer': { type: 'boolean' }, 'random-affine': { type: 'boolean' },
  },
});

function fail(message: string): never {
  process.stderr.write(`generate-checkpoint: ${message}\n`);
  process.exit(2);
}
const int = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a non-negative integer: got ${value}`);
  return n;
};

if (!v.out) fail('--out DIR is required');
let base: Partial<RandomCheckpointSpec> = {};
if (v.preset) {
  if (!(v.preset in PRESETS)) fail(`unknown --preset ${v.preset}; known: ${Object.keys(PRESETS).join(', ')}`);
  base = PRESETS[v.preset as PresetName]; // checked by the `in` test above
}
const arch = v.arch ?? base.architecture;
if (arch !== 'gpt2' && arch !== 'llama') fail(`--arch must be gpt2 or llama: got ${arch}`);
const dtype = v.dtype ?? 'F32';
if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') fail(`--dtype must be F32, F16 or BF16: got ${dtype}`);
const need = (name: string, value: number | undefined): number => value ?? fail(`--${name} is required without --preset`);
const spec: RandomCheckpointSpec = {
  ...base,
  architecture: arch,
  nLayers: need('layers', int('layers', v.layers) ?? base.nLayers),
  dModel: need('d-model', int('d-model', v['d-model']) ?? base.dModel),
  nHeads: need('heads', int('heads', v.heads) ?? base.nHeads),
  nKvHeads: int('kv-heads', v['kv-heads']) ?? base.nKvHeads,
  dHead: int('head-dim', v['head-dim']) ?? base.dHead,
  dMlp: need('d-mlp', int('d-mlp', v['d-mlp']) ?? base.dMlp),
  dVocab: need('vocab', int('vocab', v.vocab) ?? base.dVocab),
  nCtx: need('ctx', int('ctx', v.ctx) ?? base.nCtx),
  seed: int('seed', v.seed) ?? 0,
  std: v.std === undefined ? undefined : Number(v.std),
  dtype,
  shards: int('shards', v.shards) ?? 1,
  tied: v.untied ? false : undefined,
  gpt2Tokenizer: v['gpt2-tokenizer'] ?? false,
  randomAffine: v['random-affine'] ?? false,
};
const started = performance.now();
writeRandomCheckpoint(v.out, spec);
process.stdout.write(`${JSON.stringify({ out: v.out, spec, seconds: (performance.now() - started) / 1000 })}\n`);
