// Knowledge maps (method.md section 7): where a knowledge type's value and query neurons sit, from
// per-sentence attributions (fresh or stored). Counts and scores are means per sentence.
import type { SentenceAttribution } from './sentence-attribution.js';

export interface MapLayer {
  readonly layer: number;
  /** Mean count per sentence of attention / FFN neurons among the top value neurons (merged ranking). */
  readonly attentionNeurons: number;
  readonly ffnNeurons: number;
  /** Mean layer-level log-prob increase of the attention / FFN output. */
  readonly attentionScore: number;
  readonly ffnScore: number;
  /** Mean count per sentence of top query neurons that are not / also top FFN value neurons. */
  readonly queryOnly: number;
  readonly queryAndValue: number;
}

export interface SharedNeuron {
  /** 'ffn' (layer, neuron) or 'attention' (layer, head, dim; any source position). */
  readonly kind: 'ffn' | 'attention';
  readonly layer: number;
  readonly index: number;
  readonly head?: number;
  /** Fraction of the type's sentences whose top value neurons include it. */
  readonly frequency: number;
}

export interface KnowledgeMap {
  readonly knowledgeType: string;
  readonly sentences: number;
  /** Value neurons per sentence counted in the histogram (attention and FFN ranked together). */
  readonly top: number;
  readonly layers: MapLayer[];
  /** Mean over sentences of the summed layer scores. */
  readonly totals: { readonly attentionScore: number; readonly ffnScore: number };
  readonly shared: {
    /** Neurons in the top value neurons of more than half of the sentences, most frequent first. */
    readonly neurons: SharedNeuron[];
    /** Distinct neurons over all the type's sentences. */
    readonly union: number;
    /** neurons.length / union. */
    readonly shareOfUnion: number;
    /** Mean over sentences of the fraction of its top neurons that are shared. */
    readonly shareOfSentence: number;
  };
  /** Heads by mean score over the type's sentences, best first. */
  readonly heads: { readonly layer: number; readonly head: number; readonly score: number }[];
}

export interface MapOptions {
  /** Top value neurons per sentence (attention and FFN merged; default 300, the paper's). */
  readonly top?: number;
  /** Top query neurons and top FFN value neurons compared per sentence (default 300). */
  readonly queryTop?: number;
}

type Merged = { kind: 'ffn' | 'attention'; layer: number; key: string; score: number; head?: number; index: number };

/** A sentence's top `top` value neurons, attention and FFN ranked together by score (ties: FFN first, then list order). */
export function mergedValueNeurons(s: SentenceAttribution, top: number): Merged[] {
  const all: Merged[] = [
    ...s.ffnNeurons.map((n) => ({ kind: 'ffn' as const, layer: n.layer, key: `F${n.layer}.${n.neuron}`, score: n.score, index: n.neuron })),
    ...s.attentionNeurons.map((n) => ({ kind: 'attention' as const, layer: n.layer, key: `A${n.layer}.${n.head}.${n.dim}`, score: n.score, head: n.head, index: n.dim })),
  ];
  return all.map((m, i) => ({ m, i })).sort((a, b) => b.m.score - a.m.score || a.i - b.i).slice(0, top).map(({ m }) => m);
}

/** The map of one knowledge type from its sentences' attributions; throws on an empty list. */
export function knowledgeMap(knowledgeType: string, sentences: readonly SentenceAttribution[], opts: MapOptions = {}): KnowledgeMap {
  if (sentences.length === 0) throw new RangeError(`knowledge type ${JSON.stringify(knowledgeType)} has no sentences`);
  const top = opts.top ?? 300;
  const queryTop = opts.queryTop ?? 300;
  const n = sentences.length;
  const nLayers = Math.max(...sentences.map((s) => Math.max(s.layers.length, ...s.layers.map((l) => l.layer + 1))));
  const zero = (): Float64Array => new Float64Array(nLayers);
  const [attnN, ffnN, attnS, ffnS, qOnly, qBoth] = [zero(), zero(), zero(), zero(), zero(), zero()];
  const freq = new Map<string, { m: Merged; count: number }>();
  const tops: Set<string>[] = [];
  const headSum = new Map<string, { layer: number; head: number; score: number }>();
  for (const s of sentences) {
    const merged = mergedValueNeurons(s, top);
    const keys = new Set<string>();
    for (const m of merged) {
      (m.kind === 'ffn' ? ffnN : attnN)[m.layer] += 1 / n;
      if (keys.has(m.key)) continue;
      keys.add(m.key);
      // Counted once per sentence, described by its first occurrence.
      const e = freq.get(m.key) ?? { m, count: 0 };
      e.count++;
      freq.set(m.key, e);
    }
    tops.push(keys);
    for (const l of s.layers) {
      attnS[l.layer] += l.attention / n;
      ffnS[l.layer] += l.ffn / n;
    }
    const values = new Set(s.ffnNeurons.slice(0, queryTop).map((v) => `${v.layer}.${v.neuron}`));
    for (const q of s.queryNeurons.slice(0, queryTop)) (values.has(`${q.layer}.${q.neuron}`) ? qBoth : qOnly)[q.layer] += 1 / n;
    for (const h of s.heads) {
      const key = `${h.layer}.${h.head}`;
      const e = headSum.get(key) ?? { layer: h.layer, head: h.head, score: 0 };
      e.score += h.score / n;
      headSum.set(key, e);
    }
  }
  const sharedKeys = [...freq.entries()].filter(([, e]) => e.count > n / 2)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
  const sharedSet = new Set(sharedKeys.map(([k]) => k));
  const neurons = sharedKeys.map(([, { m, count }]): SharedNeuron => ({
    kind: m.kind, layer: m.layer, index: m.index, ...(m.head !== undefined ? { head: m.head } : {}), frequency: count / n,
  }));
  const shareOfSentence = tops.reduce((acc, keys) => acc + (keys.size === 0 ? 0 : [...keys].filter((k) => sharedSet.has(k)).length / keys.size), 0) / n;
  const layers = Array.from({ length: nLayers }, (_, l): MapLayer => ({
    layer: l, attentionNeurons: attnN[l], ffnNeurons: ffnN[l], attentionScore: attnS[l], ffnScore: ffnS[l], queryOnly: qOnly[l], queryAndValue: qBoth[l],
  }));
  return {
    knowledgeType,
    sentences: n,
    top,
    layers,
    totals: { attentionScore: attnS.reduce((a, b) => a + b, 0), ffnScore: ffnS.reduce((a, b) => a + b, 0) },
    shared: { neurons, union: freq.size, shareOfUnion: freq.size === 0 ? 0 : neurons.length / freq.size, shareOfSentence },
    heads: [...headSum.values()].sort((a, b) => b.score - a.score || a.layer - b.layer || a.head - b.head),
  };
}

/** One map per knowledge type present in `sentences`, in first-appearance order. */
export function knowledgeMaps(sentences: readonly SentenceAttribution[], opts: MapOptions = {}): KnowledgeMap[] {
  const types = [...new Set(sentences.map((s) => s.knowledgeType))];
  return types.map((t) => knowledgeMap(t, sentences.filter((s) => s.knowledgeType === t), opts));
}

export interface SharedHead {
  readonly layer: number;
  readonly head: number;
  /** The types whose top heads include it. */
  readonly knowledgeTypes: string[];
}

/** Heads among the top `topHeads` (default 10) of at least two types' maps, most types first. */
export function sharedHeads(maps: readonly KnowledgeMap[], topHeads = 10): SharedHead[] {
  const byHead = new Map<string, SharedHead>();
  for (const m of maps) {
    for (const h of m.heads.slice(0, topHeads)) {
      const key = `${h.layer}.${h.head}`;
      const e = byHead.get(key) ?? { layer: h.layer, head: h.head, knowledgeTypes: [] };
      e.knowledgeTypes.push(m.knowledgeType);
      byHead.set(key, e);
    }
  }
  return [...byHead.values()].filter((h) => h.knowledgeTypes.length >= 2)
    .sort((a, b) => b.knowledgeTypes.length - a.knowledgeTypes.length || a.layer - b.layer || a.head - b.head);
}
