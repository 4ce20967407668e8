// Log-prob-increase attribution of each prepared sentence, kept compact for knowledge maps.
import { attribute } from '../attribution/index.js';
import type { LoadedModel } from '../forward/loaded-model.js';
import { EvaluationError } from './evaluation-error.js';
import type { PreparedSentence } from './filter.js';
import { compactAttribution, type SentenceAttribution } from './sentence-attribution.js';

/** Top-`top` (default 300) value and query neurons, layers and heads of every sentence, in order. */
export async function attributeSentences(model: LoadedModel, sentences: readonly PreparedSentence[], top = 300,
  onProgress?: (done: number, total: number) => void): Promise<SentenceAttribution[]> {
  if (sentences.length === 0) throw new EvaluationError('EMPTY_DATASET', 'no sentence passed the filter: nothing to map');
  const { nLayers: L, dMlp } = model.config;
  if (!Number.isInteger(top) || top < 1) throw new EvaluationError('BAD_OPTION', `top must be a positive integer: got ${top}`);
  const out: SentenceAttribution[] = [];
  for (const [i, s] of sentences.entries()) {
    const res = await attribute(model, s.ids, { target: s.target, top: Math.min(top, L * dMlp) });
    out.push(compactAttribution(s.record.id, s.record.knowledgeType, res, top));
    onProgress?.(i + 1, sentences.length);
  }
  return out;
}
