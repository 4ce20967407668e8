// Validation of attribution input at the boundary: prompt ids, target token and k.
import type { ModelConfig } from '../types.js';
import { AttributionError } from './attribution-error.js';

/** Throws EMPTY_PROMPT, PROMPT_TOO_LONG or TOKEN_OUT_OF_VOCAB. */
export function checkPrompt(config: ModelConfig, ids: readonly number[]): void {
  if (ids.length === 0) throw new AttributionError('EMPTY_PROMPT', 'prompt must have at least one token: got 0');
  if (ids.length > config.nCtx) {
    throw new AttributionError('PROMPT_TOO_LONG', `prompt length must be in [1, ${config.nCtx}] (the model's context): got ${ids.length}`);
  }
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= config.dVocab) {
      throw new AttributionError('TOKEN_OUT_OF_VOCAB', `token id at position ${i} must be an integer in [0, ${config.dVocab}): got ${id}`);
    }
  });
}

/** Throws TARGET_NOT_IN_VOCAB unless `id` is an integer in [0, dVocab). */
export function checkTargetId(config: ModelConfig, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id >= config.dVocab) {
    throw new AttributionError('TARGET_NOT_IN_VOCAB', `target token id must be an integer in [0, ${config.dVocab}): got ${id}`);
  }
  return id;
}

/** The single token id of `text` (encoded without special tokens); throws TARGET_NOT_ONE_TOKEN. */
export function targetFromText(encode: (text: string) => number[], text: string): number {
  const ids = encode(text);
  if (ids.length !== 1) {
    throw new AttributionError('TARGET_NOT_ONE_TOKEN', `target ${JSON.stringify(text)} must be exactly one token: got ${ids.length} tokens [${ids.join(', ')}]`);
  }
  return ids[0];
}

/** Throws K_OUT_OF_RANGE unless `k` is an integer in [1, max]. */
export function checkK(k: number, max: number, what = 'k'): number {
  if (!Number.isInteger(k) || k < 1 || k > max) throw new AttributionError('K_OUT_OF_RANGE', `${what} must be an integer in [1, ${max}]: got ${k}`);
  return k;
}
