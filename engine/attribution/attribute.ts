// The paper's attribution for one prompt and target (method.md sections 3-5): value neurons,
// layer/head scores and query neurons, with the exact pruned top-k (or --exact-all).
import { forward } from '../forward/forward.js';
import type { LoadedModel } from '../forward/loaded-model.js';
import type { ForwardCache } from '../types.js';
import { rankFfn, type MethodName } from './baselines.js';
import { buildContext, rowOf, type AttributionModel } from './context.js';
import { argsortDescending, exactTopK, topOfAll, type TopK } from './exact-top-k.js';
import { layerLevelScores, type HeadPositionScore, type HeadScore, type LayerScore } from './layer-scores.js';
import { targetStats } from './intervention.js';
import { AttentionFamily, FfnFamily } from './neuron-families.js';
import { ffnQueryScores, layerQueryScores, type QueryLayers, type QueryNeuron } from './query-neurons.js';
import { checkK, checkPrompt, checkTargetId } from './target.js';

export interface AttributeOptions {
  /** Target token id (default: the model's top-1 prediction at the last position). */
  readonly target?: number;
  /** How many FFN / attention / query neurons to return (default 300; attention capped at its count). */
  readonly top?: number;
  /** FFN scoring method (default log-prob-increase); attention neurons always use log-prob increase. */
  readonly method?: MethodName;
  /** Score every neuron exactly instead of the pruned search (same result, slower). */
  readonly exactAll?: boolean;
  /** Attention value neurons feeding the FFN query scores, and FFN / attention value neurons
   *  feeding the layer-level query scores (default 30, the paper's setting). */
  readonly queryTop?: number;
  /** Also score each head at each source position (default false). */
  readonly headPositions?: boolean;
  /** How many FFN query neurons to return (default `top`); every FFN neuron is scored anyway. */
  readonly queryNeurons?: number;
}

export interface FfnNeuronScore { readonly layer: number; readonly neuron: number; readonly score: number; readonly coefficient: number }
export interface AttentionNeuronScore {
  readonly layer: number; readonly head: number; readonly dim: number; readonly position: number;
  readonly score: number; readonly coefficient: number;
}

export interface AttributionResult {
  /** prob / logProb / rank from the model's real logits at the last position. */
  readonly target: { readonly id: number; readonly prob: number; readonly logProb: number; readonly rank: number };
  readonly method: MethodName;
  /** Best first. */
  readonly ffnNeurons: FfnNeuronScore[];
  readonly attentionNeurons: AttentionNeuronScore[];
  /** Sorted by max(attention, ffn), best first. */
  readonly layers: LayerScore[];
  readonly heads: HeadScore[];
  readonly headPositions: HeadPositionScore[];
  readonly queryNeurons: QueryNeuron[];
  readonly queryLayers: { readonly ffnValues: QueryLayers; readonly attentionValues: QueryLayers };
  /** Exact projections performed, for the benchmark. */
  readonly stats: {
    readonly ffnScored: number; readonly attentionScored: number; readonly ffnCandidates: number; readonly attentionCandidates: number;
    /** Wall time per phase (context, ffn, attention, layers, query), ms. */
    readonly ms: Record<string, number>;
  };
}

/** Runs the forward pass on `ids` and attributes. Throws AttributionError for bad input. */
export async function attribute(model: LoadedModel, ids: readonly number[], opts: AttributeOptions = {}): Promise<AttributionResult> {
  checkPrompt(model.config, ids);
  if (opts.target !== undefined) checkTargetId(model.config, opts.target);
  checkK(opts.top ?? 1, model.config.nLayers * model.config.dMlp, 'top');
  const cache = await forward(model, ids);
  return attributeCache(model, cache, opts);
}

/** The top-1 token of the real logits at the last position of `cache`. */
export function topPrediction(cache: ForwardCache): number {
  const logits = cache.get('logits');
  const row = rowOf(logits, cache.ids.length - 1);
  let best = 0;
  for (let t = 1; t < row.length; t++) if (row[t] > row[best]) best = t;
  return best;
}

/**
 * Only the top-k FFN neurons by `method` for `cache` (no attention, layer or query scores): the
 * cheap path for dataset-wide evaluations. Same validation and errors as attributeCache.
 */
export async function rankFfnNeurons(model: AttributionModel, cache: ForwardCache,
  opts: Pick<AttributeOptions, 'target' | 'top' | 'method' | 'exactAll'> = {}): Promise<{ target: number; neurons: FfnNeuronScore[] }> {
  const method = opts.method ?? 'log-prob-increase';
  const { target, neurons } = await rankFfnMethods(model, cache, [method], opts);
  return { target, neurons: neurons.get(method) ?? [] };
}

/**
 * The top-k FFN neurons of `cache` by each of `methods`, from one attribution context: the final
 * norm, baselines and (for rank / coefficient-rank) the brute-force subvalue ranks are computed
 * once for all methods. Same validation and errors as attributeCache.
 */
export async function rankFfnMethods(model: AttributionModel, cache: ForwardCache, methods: readonly MethodName[],
  opts: Pick<AttributeOptions, 'target' | 'top' | 'exactAll'> = {}): Promise<{ target: number; neurons: Map<MethodName, FfnNeuronScore[]> }> {
  const cfg = model.config;
  checkPrompt(cfg, cache.ids);
  const target = opts.target === undefined ? topPrediction(cache) : checkTargetId(cfg, opts.target);
  const k = checkK(opts.top ?? 300, cfg.nLayers * cfg.dMlp, 'top');
  const ctx = await buildContext(model, cache, target);
  const ffn = new FfnFamily(ctx);
  const neurons = new Map<MethodName, FfnNeuronScore[]>();
  for (const method of methods) {
    const top = await rankFfn(ctx, ffn, method, k, opts.exactAll ?? false);
    neurons.set(method, Array.from(top.indices, (i, r) => ({ layer: ffn.layerOf(i), neuron: ffn.neuronOf(i), score: top.scores[r], coefficient: ffn.coefficient(i) })));
  }
  return { target, neurons };
}

/** Attribution from an existing forward cache of `model` (see attribute). */
export async function attributeCache(model: AttributionModel, cache: ForwardCache, opts: AttributeOptions = {}): Promise<AttributionResult> {
  const cfg = model.config;
  checkPrompt(cfg, cache.ids);
  const target = opts.target === undefined ? topPrediction(cache) : checkTargetId(cfg, opts.target);
  const k = checkK(opts.top ?? 300, cfg.nLayers * cfg.dMlp, 'top');
  const method = opts.method ?? 'log-prob-increase';
  const exactAll = opts.exactAll ?? false;
  const queryTop = checkK(opts.queryTop ?? 30, cfg.nLayers * cfg.dMlp, 'queryTop');
  const nQuery = checkK(opts.queryNeurons ?? k, cfg.nLayers * cfg.dMlp, 'queryNeurons');

  const ms: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    ms[name] = Math.round(now - clock);
    clock = now;
  };
  const ctx = await buildContext(model, cache, target);
  lap('context');

  const ffn = new FfnFamily(ctx);
  const ffnTop = await rankFfn(ctx, ffn, method, k, exactAll);
  // Layer-level query scores use the paper's value neurons (log-prob increase) whatever `method` is.
  const ffnByImp = method === 'log-prob-increase' ? ffnTop : await rankFfn(ctx, ffn, 'log-prob-increase', queryTop, exactAll);

  lap('ffn');
  const attn = new AttentionFamily(ctx);
  const kAttn = Math.min(Math.max(k, queryTop), attn.count);
  const attnTop: TopK = exactAll
    ? topOfAll(await attn.score(Int32Array.from({ length: attn.count }, (_, i) => i)), kAttn)
    : await exactTopK(attn.bounds(), kAttn, (idx) => attn.score(idx));

  lap('attention');
  const ffnNeurons = Array.from(ffnTop.indices, (i, r) => ({
    layer: ffn.layerOf(i), neuron: ffn.neuronOf(i), score: ffnTop.scores[r], coefficient: ffn.coefficient(i),
  }));
  const attentionAll = Array.from(attnTop.indices, (i, r) => {
    const [layer, head, dim, position] = attn.decode(i);
    return { layer, head, dim, position, score: attnTop.scores[r], coefficient: attn.coefficient(i) };
  });

  const level = await layerLevelScores(ctx, opts.headPositions ?? false);
  lap('layers');
  const qUnits = attentionAll.slice(0, queryTop);
  const qs = await ffnQueryScores(ctx, qUnits);
  const qOrder = argsortDescending(qs).subarray(0, nQuery);
  const queryNeurons = Array.from(qOrder, (i) => ({ layer: Math.floor(i / cfg.dMlp), neuron: i % cfg.dMlp, score: qs[i] }));
  const ffnQueryUnits = Array.from(ffnByImp.indices.subarray(0, queryTop), (i, r) => ({ layer: ffn.layerOf(i), neuron: ffn.neuronOf(i), score: ffnByImp.scores[r] }));
  const queryLayers = layerQueryScores(ctx, ffnQueryUnits, qUnits);
  lap('query');

  return {
    target: { id: target, ...targetStats(cache, target) },
    method,
    ffnNeurons,
    attentionNeurons: attentionAll.slice(0, Math.min(k, attn.count)),
    layers: [...level.layers].sort((a, b) => Math.max(b.attention, b.ffn) - Math.max(a.attention, a.ffn)),
    heads: [...level.heads].sort((a, b) => b.score - a.score),
    headPositions: [...level.headPositions].sort((a, b) => b.score - a.score),
    queryNeurons,
    queryLayers,
    stats: { ffnScored: ffnTop.scored, attentionScored: attnTop.scored, ffnCandidates: ffn.count, attentionCandidates: attn.count, ms },
  };
}

