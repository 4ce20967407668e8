// The paper's dataset filter (method.md section 6): keep a sentence when its answer is in the
// model's top-k (default 10) and, where candidates of its type are given, ranks above all of them.
import { AttributionError, targetFromText, targetStats, type TargetStats } from '../attribution/index.js';
import { EngineInputError } from '../forward/engine-input-error.js';
import { forward } from '../forward/forward.js';
import type { LoadedModel } from '../forward/loaded-model.js';
import type { EvaluationRecord } from './dataset.js';
import { EvaluationError } from './evaluation-error.js';

/** A sentence resolved to token ids, with the model's unablated answer statistics. */
export interface PreparedSentence {
  readonly record: EvaluationRecord;
  readonly ids: readonly number[];
  readonly target: number;
  readonly before: TargetStats;
}

export type DropReason = 'invalid' | 'not-in-top-k' | 'below-candidate';

export interface FilterReport {
  readonly total: number;
  readonly kept: number;
  readonly topK: number;
  readonly byType: Record<string, { readonly total: number; readonly kept: number }>;
  readonly dropped: Record<DropReason, number>;
  /** First few invalid sentences with the reason (bad prompt, multi-token answer...). */
  readonly invalid: { readonly id: string; readonly error: string }[];
}

export interface FilterOptions {
  /** The answer must rank within this many (default 10). */
  readonly topK?: number;
  /** Also use the distinct answers of the same knowledge type as candidates (default false). */
  readonly typeCandidates?: boolean;
}

function resolveIds(model: LoadedModel, r: EvaluationRecord): number[] {
  if (r.tokenIds) return [...r.tokenIds];
  if (!model.tokenizer) throw new EvaluationError('NO_TOKENIZER', `${model.dir} has no tokenizer.json: sentence ${r.id} needs tokenIds`);
  return model.tokenizer.encode(r.prompt ?? '');
}

function resolveToken(model: LoadedModel, value: string | number, what: string): number {
  if (typeof value === 'number') return value;
  const tok = model.tokenizer;
  if (!tok) throw new EvaluationError('NO_TOKENIZER', `${model.dir} has no tokenizer.json: ${what} ${JSON.stringify(value)} needs a token id`);
  return targetFromText((t) => tok.encode(t, { addSpecialTokens: false }), value);
}

/**
 * Resolves and filters `records` in dataset order (one logits-only forward each). Sentences that
 * cannot be evaluated (bad ids, multi-token answers) are dropped as 'invalid' and listed.
 */
export async function filterDataset(model: LoadedModel, records: readonly EvaluationRecord[], opts: FilterOptions = {},
  onProgress?: (done: number, total: number) => void): Promise<{ kept: PreparedSentence[]; report: FilterReport }> {
  const topK = opts.topK ?? 10;
  if (!Number.isInteger(topK) || topK < 1) throw new EvaluationError('BAD_OPTION', `filter top-k must be a positive integer: got ${topK}`);
  const typeAnswers = new Map<string, Set<string | number>>();
  if (opts.typeCandidates) {
    for (const r of records) {
      const set = typeAnswers.get(r.knowledgeType) ?? new Set<string | number>();
      set.add(r.answerTokenId ?? r.answer ?? '');
      typeAnswers.set(r.knowledgeType, set);
    }
  }
  const kept: PreparedSentence[] = [];
  const byType: Record<string, { total: number; kept: number }> = {};
  const dropped: Record<DropReason, number> = { invalid: 0, 'not-in-top-k': 0, 'below-candidate': 0 };
  const invalid: { id: string; error: string }[] = [];
  for (const [i, r] of records.entries()) {
    const t = (byType[r.knowledgeType] ??= { total: 0, kept: 0 });
    t.total++;
    try {
      const ids = resolveIds(model, r);
      const target = r.answerTokenId ?? resolveToken(model, r.answer ?? '', 'answer');
      const cands = new Set<number>();
      for (const c of [...(r.candidates ?? []), ...(typeAnswers.get(r.knowledgeType) ?? [])]) cands.add(resolveToken(model, c, 'candidate'));
      cands.delete(target);
      const cache = await forward(model, ids, { hooks: ['logits'] });
      const before = targetStats(cache, target);
      if (before.rank > topK) {
        dropped['not-in-top-k']++;
      } else if ([...cands].some((c) => targetStats(cache, c).logProb >= before.logProb)) {
        dropped['below-candidate']++;
      } else {
        t.kept++;
        kept.push({ record: r, ids, target, before });
      }
    } catch (e) {
      const known = e instanceof AttributionError || e instanceof EvaluationError || e instanceof EngineInputError;
      if (!known) throw e;
      dropped.invalid++;
      if (invalid.length < 20) invalid.push({ id: r.id, error: `${(e as AttributionError).code ?? e.name}: ${e.message}` });
    }
    onProgress?.(i + 1, records.length);
  }
  return { kept, report: { total: records.length, kept: kept.length, topK, byType, dropped, invalid } };
}

/** The first `perType` kept sentences of each knowledge type, in dataset order. */
export function firstPerType(sentences: readonly PreparedSentence[], perType: number): PreparedSentence[] {
  const seen = new Map<string, number>();
  return sentences.filter((s) => {
    const n = seen.get(s.record.knowledgeType) ?? 0;
    seen.set(s.record.knowledgeType, n + 1);
    return n < perType;
  });
}
