// The paper's ablation comparison (method.md section 6) over a filtered dataset: each FFN scoring
// method's own top-k neurons per sentence, the value-neuron and query-neuron ablations, and
// random controls of the same size; overall and per knowledge type. Deterministic for a seed.
import {
  ablationMasks, attributeCache, METHODS, rankFfnNeurons, targetStats, type AttributionResult, type MethodName, type TargetStats,
} from '../attribution/index.js';
import { forward } from '../forward/forward.js';
import type { LoadedModel } from '../forward/loaded-model.js';
import { EvaluationError } from './evaluation-error.js';
import type { FilterReport, PreparedSentence } from './filter.js';
import { ablationMetrics, type AblationMetrics } from './metrics.js';
import { randomNeurons } from './seeded.js';
import { compactAttribution, type SentenceAttribution } from './sentence-attribution.js';

export interface EvaluateOptions {
  /** FFN neurons per sentence for the method table (default 10). */
  readonly k?: number;
  /** Methods to compare (default all eight, a-h order). */
  readonly methods?: readonly MethodName[];
  /** Value-neuron ablation: top attention and FFN value neurons (default 200 and 100, the paper's). */
  readonly valueAttention?: number;
  readonly valueFfn?: number;
  /** Query-neuron ablation: top FFN query neurons (default 1000, the paper's). */
  readonly queryNeurons?: number;
  /** Seed of the random controls (default 0). */
  readonly seed?: number;
  /** Keep each sentence's top-`mapTop` neurons for knowledge maps (default 300; 0 keeps none). */
  readonly mapTop?: number;
}

export type ConditionKind = 'method' | 'value' | 'query' | 'random';

export interface ConditionResult {
  /** A method name, 'value-neurons', 'query-neurons' or 'random-<of>' for a control. */
  readonly name: string;
  readonly kind: ConditionKind;
  /** For a control: the condition whose size it matches. */
  readonly controlFor?: string;
  /** Mean distinct parameters zeroed per sentence (attention neurons count once per (layer, head, dim)). */
  readonly ablated: { readonly ffn: number; readonly attention: number };
  readonly overall: AblationMetrics;
  readonly byType: Record<string, AblationMetrics>;
}

export interface SentenceResult {
  readonly id: string;
  readonly knowledgeType: string;
  readonly target: number;
  readonly before: TargetStats;
  /** By condition name. */
  readonly after: Record<string, TargetStats>;
}

export interface EvaluationReport {
  readonly settings: { readonly k: number; readonly methods: readonly MethodName[]; readonly valueAttention: number; readonly valueFfn: number; readonly queryNeurons: number; readonly seed: number };
  readonly filter?: FilterReport;
  readonly conditions: ConditionResult[];
  readonly sentences: SentenceResult[];
  /** Present when mapTop > 0. */
  readonly attributions: SentenceAttribution[];
}

interface Ablation { readonly ffn: { layer: number; neuron: number }[]; readonly attention: { layer: number; head: number; dim: number }[] }

function positiveInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1) throw new EvaluationError('BAD_OPTION', `${name} must be a positive integer: got ${v}`);
  return Math.min(v, max);
}

function distinctAttention(list: AttributionResult['attentionNeurons']): Ablation['attention'] {
  const seen = new Set<string>();
  const out: Ablation['attention'] = [];
  for (const { layer, head, dim } of list) {
    const key = `${layer}.${head}.${dim}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ layer, head, dim });
    }
  }
  return out;
}

/** Random FFN and attention parameters of the given counts, seeded by (seed, sentence, name). */
function randomLike(model: LoadedModel, like: { ffn: { length: number }; attention: { length: number } }, seed: number, sentenceId: string, name: string): Ablation {
  return randomNeurons(model.config, { ffn: like.ffn.length, attention: like.attention.length }, seed, `${sentenceId}\u0000${name}`);
}

async function ablate(model: LoadedModel, s: PreparedSentence, a: Ablation): Promise<TargetStats> {
  const cache = await forward(model, s.ids, { hooks: ['logits'], masks: ablationMasks(model, a.ffn, a.attention) });
  return targetStats(cache, s.target);
}

/**
 * Runs every condition on every sentence of `sentences` (in order). `onProgress(done, total)` is
 * called after each sentence. Throws EvaluationError BAD_OPTION / EMPTY_DATASET, AttributionError.
 */
export async function evaluateSentences(model: LoadedModel, sentences: readonly PreparedSentence[], opts: EvaluateOptions = {},
  onProgress?: (done: number, total: number) => void): Promise<EvaluationReport> {
  if (sentences.length === 0) throw new EvaluationError('EMPTY_DATASET', 'no sentence passed the filter: nothing to evaluate');
  const { nLayers: L, dMlp } = model.config;
  const nFfn = L * dMlp;
  const k = positiveInt('k', opts.k ?? 10, nFfn);
  const methods = opts.methods ?? Object.values(METHODS);
  const valueAttention = positiveInt('valueAttention', opts.valueAttention ?? 200, Number.MAX_SAFE_INTEGER);
  const valueFfn = positiveInt('valueFfn', opts.valueFfn ?? 100, nFfn);
  const queryNeurons = positiveInt('queryNeurons', opts.queryNeurons ?? 1000, nFfn);
  const seed = opts.seed ?? 0;
  const mapTop = opts.mapTop ?? 300;
  // One log-prob-increase attribution deep enough for every list taken from it.
  const top = Math.min(nFfn, Math.max(k, valueAttention, valueFfn, queryNeurons, mapTop));

  const names: { name: string; kind: ConditionKind; controlFor?: string }[] = [
    ...methods.map((m) => ({ name: m, kind: 'method' as const })),
    { name: `random-top-${k}`, kind: 'random', controlFor: 'method table' },
    { name: 'value-neurons', kind: 'value' }, { name: 'random-value-neurons', kind: 'random', controlFor: 'value-neurons' },
    { name: 'query-neurons', kind: 'query' }, { name: 'random-query-neurons', kind: 'random', controlFor: 'query-neurons' },
  ];
  const sizes = new Map<string, { ffn: number; attention: number }>(names.map((c) => [c.name, { ffn: 0, attention: 0 }]));
  const results: SentenceResult[] = [];
  const attributions: SentenceAttribution[] = [];
  for (const [i, s] of sentences.entries()) {
    const cache = await forward(model, s.ids);
    const main = await attributeCache(model, cache, { target: s.target, top });
    if (mapTop > 0) attributions.push(compactAttribution(s.record.id, s.record.knowledgeType, main, mapTop));
    const plan = new Map<string, Ablation>();
    for (const m of methods) {
      const ffn = m === 'log-prob-increase' ? main.ffnNeurons : (await rankFfnNeurons(model, cache, { target: s.target, top: k, method: m })).neurons;
      plan.set(m, { ffn: ffn.slice(0, k).map(({ layer, neuron }) => ({ layer, neuron })), attention: [] });
    }
    // The control of the method table: k random FFN neurons.
    plan.set(`random-top-${k}`, randomLike(model, { ffn: { length: k }, attention: { length: 0 } }, seed, s.record.id, `random-top-${k}`));
    const value: Ablation = {
      ffn: main.ffnNeurons.slice(0, valueFfn).map(({ layer, neuron }) => ({ layer, neuron })),
      attention: distinctAttention(main.attentionNeurons.slice(0, valueAttention)),
    };
    plan.set('value-neurons', value);
    plan.set('random-value-neurons', randomLike(model, value, seed, s.record.id, 'random-value-neurons'));
    const query: Ablation = { ffn: main.queryNeurons.slice(0, queryNeurons).map(({ layer, neuron }) => ({ layer, neuron })), attention: [] };
    plan.set('query-neurons', query);
    plan.set('random-query-neurons', randomLike(model, query, seed, s.record.id, 'random-query-neurons'));

    const after: Record<string, TargetStats> = {};
    for (const c of names) {
      const a = plan.get(c.name)!; // every name was planned just above
      const size = sizes.get(c.name)!; // initialised for every name
      size.ffn += a.ffn.length;
      size.attention += a.attention.length;
      after[c.name] = await ablate(model, s, a);
    }
    results.push({ id: s.record.id, knowledgeType: s.record.knowledgeType, target: s.target, before: s.before, after });
    onProgress?.(i + 1, sentences.length);
  }

  const types = [...new Set(results.map((r) => r.knowledgeType))];
  const conditions = names.map((c): ConditionResult => {
    const metricsOf = (rs: SentenceResult[]): AblationMetrics => ablationMetrics(rs.map((r) => r.before), rs.map((r) => r.after[c.name]));
    const size = sizes.get(c.name)!; // initialised for every name
    return {
      ...c,
      ablated: { ffn: size.ffn / results.length, attention: size.attention / results.length },
      overall: metricsOf(results),
      byType: Object.fromEntries(types.map((t) => [t, metricsOf(results.filter((r) => r.knowledgeType === t))])),
    };
  });
  return { settings: { k, methods, valueAttention, valueFfn, queryNeurons, seed }, conditions, sentences: results, attributions };
}
