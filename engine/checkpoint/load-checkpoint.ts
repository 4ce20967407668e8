// Reads a Hugging Face checkpoint folder (config.json + *.safetensors, optionally sharded with
// model.safetensors.index.json) into canonical fp32 weights (engine/types.ts), validating first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig, Tensor } from '../types.js';
import type { ArchitectureAdapter, SourceTensor } from './architecture-adapter.js';
import { adapterFor, SUPPORTED_ARCHITECTURES } from './architectures.js';
import { CheckpointError, errorMessage, fmtShape, isJsonObject } from './checkpoint-error.js';
import { SafetensorsFile } from './safetensors-reader.js';

export interface Checkpoint {
  readonly dir: string;
  readonly config: ModelConfig;
  /** Canonical name -> fp32 tensor; `unembed.W_U` is W_E's tensor when tied. */
  readonly weights: ReadonlyMap<string, Tensor>;
  /** The safetensors files read. */
  readonly files: readonly string[];
}

/** Parses `dir/config.json`; throws CheckpointError MISSING_FILE, BAD_CONFIG or UNSUPPORTED_ARCHITECTURE. */
export function readModelConfig(dir: string): { config: ModelConfig; adapter: ArchitectureAdapter } {
  const file = join(dir, 'config.json');
  const json = readJson(file);
  if (!isJsonObject(json)) {
    throw new CheckpointError('BAD_CONFIG', `${file}: not a JSON object`, file);
  }
  const archs = json.architectures;
  const hfArchitecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : null;
  if (hfArchitecture === null) {
    throw new CheckpointError('BAD_CONFIG', `${file}: field architectures must be a non-empty list of strings; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`, file);
  }
  const adapter = adapterFor(hfArchitecture);
  if (!adapter) {
    throw new CheckpointError(
      'UNSUPPORTED_ARCHITECTURE',
      `${file}: architecture ${hfArchitecture} is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
      file,
    );
  }
  return { config: adapter.parseConfig(json, file, hfArchitecture), adapter };
}

/**
 * Loads and validates every tensor the config requires: all shapes are checked before any data
 * is read. Throws CheckpointError (codes in checkpoint-error.ts) naming file, tensor and sizes.
 */
export function loadCheckpoint(dir: string): Checkpoint {
  const { config, adapter } = readModelConfig(dir);
  const files = openFiles(dir);
  try {
    const located = locate(adapter, adapter.plan(config), files, dir);
    const weights = new Map<string, Tensor>();
    for (const { spec, file, name } of located) {
      const src = file ? file.readFloat32(name) : null;
      for (const out of spec.outputs) {
        const count = out.shape.reduce((a, b) => a * b, 1);
        const data = src ? out.extract(src) : new Float32Array(count);
        if (data.length !== count) throw new Error(`internal: ${out.name} extracted ${data.length} values for ${fmtShape(out.shape)}`);
        weights.set(out.name, { data, shape: out.shape });
      }
    }
    if (config.tiedEmbeddings) weights.set('unembed.W_U', weights.get('embed.W_E')!); // W_E is always in the plan
    return { dir, config, weights, files: [...new Set(files.values())].map((f) => f.path) };
  } finally {
    for (const f of new Set(files.values())) f.close();
  }
}

interface Located {
  readonly spec: SourceTensor;
  readonly file: SafetensorsFile | null;
  readonly name: string;
}

function locate(
  adapter: ArchitectureAdapter, plan: readonly SourceTensor[], files: ReadonlyMap<string, SafetensorsFile>, dir: string,
): Located[] {
  return plan.map((spec) => {
    const name = adapter.prefixes.map((p) => p + spec.source).find((n) => files.has(n));
    if (name === undefined) {
      if (spec.optional) return { spec, file: null, name: spec.source };
      throw new CheckpointError('MISSING_TENSOR', `${dir}: required tensor ${spec.source} ${fmtShape(spec.shape)} is in no safetensors file`, dir, spec.source);
    }
    const file = files.get(name)!; // `name` was found in `files` above
    const actual = file.entries.get(name)!.shape; // `files` maps each name to the file holding it
    if (actual.length !== spec.shape.length || actual.some((d, i) => d !== spec.shape[i])) {
      throw new CheckpointError(
        'SHAPE_MISMATCH',
        `${file.path}: tensor ${name} has shape ${fmtShape(actual)}, config.json implies ${fmtShape(spec.shape)}`,
        file.path, name,
      );
    }
    return { spec, file, name };
  });
}

/** Tensor name -> open file holding it, from the shard index or every *.safetensors in `dir`. */
function openFiles(dir: string): Map<string, SafetensorsFile> {
  const indexPath = join(dir, 'model.safetensors.index.json');
  const byName = new Map<string, SafetensorsFile>();
  const opened: SafetensorsFile[] = [];
  try {
    if (existsSync(indexPath)) {
      const index = readJson(indexPath);
      const map = isJsonObject(index) ? index.weight_map : undefined;
      if (!isJsonObject(map) || !Object.values(map).every((v) => typeof v === 'string')) {
        throw new CheckpointError('BAD_INDEX', `${indexPath}: weight_map must be an object of tensor name -> file name`, indexPath);
      }
      const shards = new Map<string, SafetensorsFile>();
      // Every value was checked to be a string above.
      for (const [tensor, shard] of Object.entries(map as Record<string, string>)) {
        let file = shards.get(shard);
        if (!file) {
          if (shard.includes('/') || shard.includes('\\')) throw new CheckpointError('BAD_INDEX', `${indexPath}: shard ${shard} is not a file name`, indexPath);
          file = SafetensorsFile.open(join(dir, shard));
          shards.set(shard, file);
          opened.push(file);
        }
        if (!file.entries.has(tensor)) {
          throw new CheckpointError('BAD_INDEX', `${indexPath}: weight_map puts ${tensor} in ${shard}, which does not hold it`, indexPath, tensor);
        }
        byName.set(tensor, file);
      }
      return byName;
    }
    const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort() : [];
    if (names.length === 0) throw new CheckpointError('MISSING_FILE', `${dir}: no *.safetensors file`, dir);
    for (const n of names) {
      const file = SafetensorsFile.open(join(dir, n));
      opened.push(file);
      for (const tensor of file.entries.keys()) {
        const other = byName.get(tensor);
        if (other) throw new CheckpointError('BAD_INDEX', `${dir}: tensor ${tensor} is in both ${other.path} and ${file.path}`, file.path, tensor);
        byName.set(tensor, file);
      }
    }
    return byName;
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError('MISSING_FILE', `${file}: cannot read (${errorMessage(e)})`, file);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file.endsWith('index.json') ? 'BAD_INDEX' : 'BAD_CONFIG', `${file}: invalid JSON (${errorMessage(e)})`, file);
  }
}
