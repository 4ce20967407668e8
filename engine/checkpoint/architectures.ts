// The registry of supported architectures, keyed by config.json's `architectures[0]`.
import type { ArchitectureAdapter } from './architecture-adapter.js';
import { gpt2Adapter } from './adapters/gpt2-adapter.js';
import { llamaAdapter } from './adapters/llama-adapter.js';
import { mistralAdapter, qwen2Adapter } from './adapters/llama-family-adapters.js';

export const ADAPTERS: readonly ArchitectureAdapter[] = [gpt2Adapter, llamaAdapter, mistralAdapter, qwen2Adapter];

/** Every supported `architectures[0]` value. */
export const SUPPORTED_ARCHITECTURES: readonly string[] = ADAPTERS.flatMap((a) => a.hfArchitectures);

/** The adapter for an HF architecture name, or undefined. */
export function adapterFor(hfArchitecture: string): ArchitectureAdapter | undefined {
  return ADAPTERS.find((a) => a.hfArchitectures.includes(hfArchitecture));
}
