// Llama-family variants that compute exactly Llama's forward pass for prompts the engine accepts:
// Mistral (MistralForCausalLM) and Qwen2 (Qwen2ForCausalLM, q/k/v biases read as optional biases).
// Sliding-window attention equals full causal attention while T <= sliding_window, so the context
// (nCtx) is capped at the window instead of masking: longer prompts are rejected, never mis-computed.
import type { ModelConfig } from '../../types.js';
import { ConfigReader, type ArchitectureAdapter } from '../architecture-adapter.js';
import { llamaAdapter } from './llama-adapter.js';

function capAtWindow(cfg: ModelConfig, json: Record<string, unknown>, file: string, enabled: boolean): ModelConfig {
  if (!enabled || json.sliding_window == null) return cfg;
  const window = new ConfigReader(json, file).int('sliding_window');
  return { ...cfg, nCtx: Math.min(cfg.nCtx, window) };
}

export const mistralAdapter: ArchitectureAdapter = {
  ...llamaAdapter,
  hfArchitectures: ['MistralForCausalLM'],
  parseConfig(json, file, hfArchitecture) {
    return capAtWindow(llamaAdapter.parseConfig(json, file, hfArchitecture), json, file, true);
  },
};

export const qwen2Adapter: ArchitectureAdapter = {
  ...llamaAdapter,
  hfArchitectures: ['Qwen2ForCausalLM'],
  parseConfig(json, file, hfArchitecture) {
    const useWindow = new ConfigReader(json, file).bool('use_sliding_window', false);
    return capAtWindow(llamaAdapter.parseConfig(json, file, hfArchitecture), json, file, useWindow);
  },
};
