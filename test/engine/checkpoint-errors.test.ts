// Bad checkpoints by kind: each corruption gives a CheckpointError with its code and a message
// naming the file, the tensor and both sizes. Built by corrupting a valid generated checkpoint.
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, loadCheckpoint, loadModel } from '../../engine/index.js';
import { encodeSafetensors } from '../../engine/checkpoint/write-safetensors.js';
import { writeRandomCheckpoint, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { makeTempDir, removeDir } from './helpers.js';

const GPT2: RandomCheckpointSpec = { architecture: 'gpt2', nLayers: 1, dModel: 8, nHeads: 2, dMlp: 16, dVocab: 11, nCtx: 6, seed: 5 };
const LLAMA: RandomCheckpointSpec = { architecture: 'llama', nLayers: 1, dModel: 8, nHeads: 2, nKvHeads: 1, dMlp: 16, dVocab: 11, nCtx: 6, seed: 6 };

const editJson = (file: string, edit: (json: Record<string, unknown>) => void): void => {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json));
};
/** Rewrites the safetensors header JSON in place (the data section is kept). */
const editHeader = (file: string, edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): void => {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  edit(header);
  let json = JSON.stringify(header);
  json += ' '.repeat(Math.max(0, n - json.length));
  if (json.length !== n) throw new Error('test helper: edited header grew; keep edits size-neutral');
  writeFileSync(file, Buffer.concat([buf.subarray(0, 8), Buffer.from(json), buf.subarray(8 + n)]));
};

type Case = [label: string, spec: RandomCheckpointSpec, corrupt: (dir: string) => void, code: string, message: RegExp];
const CASES: Case[] = [
  ['truncated file', GPT2, (d) => {
    const f = join(d, 'model.safetensors');
    truncateSync(f, readFileSync(f).length - 100);
  }, 'TRUNCATED',
    /model\.safetensors: tensor \S+ ends at data byte \d+, the file holds \d+ data bytes/],
  ['file shorter than the header length', GPT2, (d) => truncateSync(join(d, 'model.safetensors'), 5), 'TRUNCATED', /5 bytes, shorter than/],
  ['file cut inside the header', GPT2, (d) => truncateSync(join(d, 'model.safetensors'), 100), 'TRUNCATED', /header of \d+ bytes does not fit in a file of 100 bytes/],
  ['header length beyond the file', GPT2, (d) => {
    const f = join(d, 'model.safetensors');
    const buf = readFileSync(f);
    buf.writeBigUInt64LE(BigInt(buf.length), 0);
    writeFileSync(f, buf);
  }, 'TRUNCATED', /header of \d+ bytes does not fit in a file of \d+ bytes/],
  ['absurd header length', GPT2, (d) => {
    const f = join(d, 'model.safetensors');
    const buf = readFileSync(f);
    buf.writeBigUInt64LE(2n ** 40n, 0);
    writeFileSync(f, buf);
  }, 'BAD_HEADER', /header length \d+ outside/],
  ['header that is not JSON', GPT2, (d) => {
    const f = join(d, 'model.safetensors');
    const buf = readFileSync(f);
    buf.write('{{', 8);
    writeFileSync(f, buf);
  }, 'BAD_HEADER', /header is not JSON/],
  ['header offsets overlapping', GPT2, (d) => editHeader(join(d, 'model.safetensors'), (h) => {
    h['transformer.wpe.weight'].data_offsets = [...h['transformer.wte.weight'].data_offsets.map((x) => x)];
    h['transformer.wpe.weight'].shape = [...h['transformer.wte.weight'].shape];
  }), 'OVERLAP', /tensor transformer\.(wpe|wte)\.weight \[\d+, \d+\) overlaps transformer\.(wte|wpe)\.weight/],
  ['byte span disagreeing with shape', GPT2, (d) => editHeader(join(d, 'model.safetensors'), (h) => {
    h['transformer.ln_f.bias'].shape = [7];
  }), 'BAD_HEADER', /tensor transformer\.ln_f\.bias: shape \[7\] F32 needs 28 bytes, data_offsets \[\d+, \d+\] span 32/],
  ['unknown dtype', GPT2, (d) => editHeader(join(d, 'model.safetensors'), (h) => {
    h['transformer.ln_f.bias'].dtype = 'F99';
  }), 'BAD_HEADER', /tensor transformer\.ln_f\.bias: unknown dtype F99/],
  ['integer dtype for a weight', GPT2, (d) => editHeader(join(d, 'model.safetensors'), (h) => {
    h['transformer.ln_f.bias'].dtype = 'I32';
  }), 'UNSUPPORTED_DTYPE', /tensor transformer\.ln_f\.bias has dtype I32; supported: F32, F16, BF16/],
  ['wrong shape in config (n_inner)', GPT2, (d) => editJson(join(d, 'config.json'), (c) => { c.n_inner = 20; }), 'SHAPE_MISMATCH',
    /model\.safetensors: tensor transformer\.h\.0\.mlp\.c_fc\.weight has shape \[8, 16\], config\.json implies \[8, 20\]/],
  ['wrong shape in config (llama kv heads)', LLAMA, (d) => editJson(join(d, 'config.json'), (c) => { c.num_key_value_heads = 2; }), 'SHAPE_MISMATCH',
    /tensor model\.layers\.0\.self_attn\.k_proj\.weight has shape \[4, 8\], config\.json implies \[8, 8\]/],
  ['missing tensor', LLAMA, (d) => {
    const f = join(d, 'model.safetensors');
    const buf = readFileSync(f);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
    delete header['model.layers.0.mlp.up_proj.weight'];
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, e] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const { shape, data_offsets: [a, b] } = e as { shape: number[]; data_offsets: number[] };
      tensors.set(name, { shape, data: new Float32Array(buf.buffer.slice(buf.byteOffset + 8 + n + a, buf.byteOffset + 8 + n + b)) });
    }
    writeFileSync(f, encodeSafetensors(tensors));
  }, 'MISSING_TENSOR', /required tensor model\.layers\.0\.mlp\.up_proj\.weight \[16, 8\] is in no safetensors file/],
  ['unknown architecture', GPT2, (d) => editJson(join(d, 'config.json'), (c) => { c.architectures = ['BertForMaskedLM']; }), 'UNSUPPORTED_ARCHITECTURE',
    /architecture BertForMaskedLM is not supported; supported: GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM/],
  ['config without architectures', GPT2, (d) => editJson(join(d, 'config.json'), (c) => { delete c.architectures; }), 'BAD_CONFIG', /field architectures must be/],
  ['non-integer config field', LLAMA, (d) => editJson(join(d, 'config.json'), (c) => { c.hidden_size = 8.5; }), 'BAD_CONFIG',
    /config\.json: field hidden_size must be a positive integer: got 8\.5/],
  ['unsupported rope_scaling type', LLAMA, (d) => editJson(join(d, 'config.json'), (c) => { c.rope_scaling = { rope_type: 'yarn', factor: 4 }; }), 'BAD_CONFIG',
    /rope_scaling type "yarn" is not supported; supported: default, linear, llama3/],
  ['llama3 rope_scaling without its band factors', LLAMA, (d) => editJson(join(d, 'config.json'), (c) => { c.rope_scaling = { rope_type: 'llama3', factor: 8 }; }), 'BAD_CONFIG',
    /config\.json rope_scaling: missing required field low_freq_factor/],
  ['rope_parameters with a bad factor', LLAMA, (d) => editJson(join(d, 'config.json'), (c) => { c.rope_parameters = { rope_type: 'linear', factor: -2 }; }), 'BAD_CONFIG',
    /config\.json rope_parameters: field factor must be a positive number: got -2/],
  ['heads not dividing into kv heads', LLAMA, (d) => editJson(join(d, 'config.json'), (c) => { c.num_key_value_heads = 3; }), 'BAD_CONFIG',
    /num_attention_heads 2 is not a multiple of num_key_value_heads 3/],
  ['missing config.json', GPT2, (d) => rmSync(join(d, 'config.json')), 'MISSING_FILE', /config\.json: cannot read/],
  ['no safetensors file', GPT2, (d) => rmSync(join(d, 'model.safetensors')), 'MISSING_FILE', /no \*\.safetensors file/],
  ['shard index naming a missing shard', GPT2, (d) => writeFileSync(join(d, 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { 'transformer.wte.weight': 'model-00009-of-00009.safetensors' } })), 'MISSING_FILE', /model-00009-of-00009\.safetensors: cannot open/],
  ['shard index placing a tensor in the wrong shard', GPT2, (d) => writeFileSync(join(d, 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { 'transformer.nope': 'model.safetensors' } })), 'BAD_INDEX', /weight_map puts transformer\.nope in model\.safetensors, which does not hold it/],
];

describe('bad checkpoints', () => {
  it.each(CASES)('EXPECTED FAILURE: %s', async (_label, spec, corrupt, code, message) => {
    const dir = makeTempDir();
    try {
      writeRandomCheckpoint(dir, spec);
      corrupt(dir);
      let caught: unknown;
      try {
        loadCheckpoint(dir);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CheckpointError);
      expect(caught).toMatchObject({ code, message: expect.stringMatching(message) });
      await expect(loadModel(dir)).rejects.toMatchObject({ code });
    } finally {
      removeDir(dir);
    }
  });

  it('the untouched checkpoint loads (the corruptions above are what fail)', () => {
    const dir = makeTempDir();
    try {
      writeRandomCheckpoint(dir, GPT2);
      expect(loadCheckpoint(dir).config.dMlp).toBe(16);
    } finally {
      removeDir(dir);
    }
  });
});
