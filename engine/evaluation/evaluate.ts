// The paper's ablation comparison (method.md section 6) over a filtered dataset: each FFN scoring
// method's own top-k neurons per sentence, the value-neuron and query-neuron ablations, and
// random controls of the same size; overall and per knowledge type. Deterministic for a seed.
import {
  ablationMasks, attributeCache, METHODS, rankFfnMethods, targetStats, type AttributionResult, type MethodName, type TargetStats,
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
  // One log-prob-increase attribution deep enough for every value list taken from it; the query
  // neurons are scored for every FFN neuron anyway and only `queryNeurons` of them are kept.
  const top = Math.min(nFfn, Math.max(k, valueAttention, valueFfn, mapTop));
  const baselines = methods.filter((m) => m !== 'log-prob-increase');

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
    const main = await attributeCache(model, cache, { target: s.target, top, queryNeurons });
    const ranked = baselines.length === 0 ? null : (await rankFfnMethods(model, cache, baselines, { target: s.target, top: k })).neurons;
    if (mapTop > 0) attributions.push(compactAttribution(s.record.id, s.record.knowledgeType, main, mapTop));
    const plan = new Map<string, Ablation>();
    for (const m of methods) {
      const ffn = m === 'log-prob-increase' ? main.ffnNeurons : ranked?.get(m) ?? [];
      plan.set(m, { ffn: ffn.slice(0, k).map(({ layer, neuron }) => ({ layer, neuron })), attention: [] });
    }
    // The control of the method table: k random FFN neurons.
    // Seeded by (seed, sentence, condition) only.
    const random = (name: string, like: { ffn: number; attention: number }): Ablation => randomNeurons(model.config, like, seed, `${s.record.id}\u0000${name}`);
    plan.set(`random-top-${k}`, random(`random-top-${k}`, { ffn: k, attention: 0 }));
    const value: Ablation = {
      ffn: main.ffnNeurons.slice(0, valueFfn).map(({ layer, neuron }) => ({ layer, neuron })),
      attention: distinctAttention(main.attentionNeurons.slice(0, valueAttention)),
    };
    plan.set('value-neurons', value);
    plan.set('random-value-neurons', random('random-value-neurons', { ffn: value.ffn.length, attention: value.attention.length }));
    const query: Ablation = { ffn: main.queryNeurons.slice(0, queryNeurons).map(({ layer, neuron }) => ({ layer, neuron })), attention: [] };
    plan.set('query-neurons', query);
    plan.set('random-query-neurons', random('random-query-neurons', { ffn: query.ffn.length, attention: 0 }));

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
