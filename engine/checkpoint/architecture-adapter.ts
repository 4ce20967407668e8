// What one architecture contributes: config.json parsing and a plan mapping its Hugging Face
// tensors to canonical weights. Adding Mistral/Qwen2 = one more adapter in architectures.ts.
import type { ModelConfig } from '../types.js';
import { CheckpointError } from './checkpoint-error.js';

/** One canonical weight produced from a source tensor. */
export interface WeightOutput {
  readonly name: string;
  readonly shape: readonly number[];
  /** Source data (in the source's layout) -> canonical layout; may return `src` itself. */
  readonly extract: (src: Float32Array) => Float32Array;
}

/** One Hugging Face tensor and the canonical weights cut from it. */
export interface SourceTensor {
  /** HF name without a model-specific prefix (see ArchitectureAdapter.prefixes). */
  readonly source: string;
  /** Shape the config implies. */
  readonly shape: readonly number[];
  /** Absent optional sources (biases) give zero canonical tensors. */
  readonly optional?: boolean;
  readonly outputs: readonly WeightOutput[];
}

export interface ArchitectureAdapter {
  readonly architecture: ModelConfig['architecture'];
  /** `architectures[0]` values of config.json this adapter reads. */
  readonly hfArchitectures: readonly string[];
  /** Prefixes tried in order before each source name (e.g. GPT-2's optional `transformer.`). */
  readonly prefixes: readonly string[];
  /** Throws CheckpointError BAD_CONFIG naming the field. */
  parseConfig(json: Record<string, unknown>, file: string, hfArchitecture: string): ModelConfig;
  /** Every source tensor, in load order; `unembed.W_U` is left out when tied (it aliases W_E). */
  plan(config: ModelConfig): SourceTensor[];
}

/** Reads typed config.json fields with validation; errors name the file and the field. */
export class ConfigReader {
  constructor(private readonly json: Record<string, unknown>, private readonly file: string) {}

  /** A positive integer field (first of `keys` present), or `fallback` when all are absent/null. */
  int(keys: string | readonly string[], fallback?: number): number {
    const [key, value] = this.pick(keys);
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(`missing required field ${key}`);
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw this.error(`field ${key} must be a positive integer: got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** A positive finite number. */
  num(keys: string | readonly string[], fallback?: number): number {
    const [key, value] = this.pick(keys);
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(`missing required field ${key}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw this.error(`field ${key} must be a positive number: got ${JSON.stringify(value)}`);
    }
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.json[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw this.error(`field ${key} must be a boolean: got ${JSON.stringify(value)}`);
    return value;
  }

  /** A token id (non-negative integer; the first of a list), or null. */
  tokenId(key: string): number | null {
    let value = this.json[key];
    if (Array.isArray(value)) value = value[0];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw this.error(`field ${key} must be a token id: got ${JSON.stringify(value)}`);
    }
    return value;
  }

  raw(key: string): unknown {
    return this.json[key];
  }

  error(message: string): CheckpointError {
    return new CheckpointError('BAD_CONFIG', `${this.file}: ${message}`, this.file);
  }

  private pick(keys: string | readonly string[]): [string, unknown] {
    const list = typeof keys === 'string' ? [keys] : keys;
    for (const k of list) if (this.json[k] !== undefined && this.json[k] !== null) return [k, this.json[k]];
    return [list[0], undefined];
  }
}

/** Identity extraction (the HF layout already is the canonical layout). */
export const same = (src: Float32Array): Float32Array => src;
