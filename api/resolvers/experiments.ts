// Query.knowledgeMap and Query.knowledgeMapPlot: knowledge maps aggregated from stored runs, and
// their plots as Vega-Lite spec + server-rendered SVG.
import type { TopLevelSpec } from 'vega-lite';
import type { KnowledgeMap as EngineKnowledgeMap } from '../../engine/index.js';
import type { Context } from '../context.js';
import { STORED_TOP } from '../attribution-service.js';
import { badInput, notFound } from '../errors.js';
import type { KnowledgeMap, KnowledgeMapPlotKind, QueryResolvers } from '../generated/graphql.js';
import { storedKnowledgeMap } from '../knowledge-map-store.js';
import { headHeatmapSpec, layerBarChartSpec, renderSvg, typeLayerHistogramSpec } from '../plots/index.js';
import { fromGlobalId } from '../relay.js';


async function loadMap(context: Context, args: { model: string; knowledgeType: string; top: number }): Promise<EngineKnowledgeMap | null> {
  if (!Number.isInteger(args.top) || args.top < 1 || args.top > STORED_TOP) throw badInput('top', `top must be in [1, ${STORED_TOP}]: got ${args.top}`);
  const model = await context.loaders.modelById.load(fromGlobalId(args.model, 'Model', 'model'));
  if (model === null) throw notFound('Model', args.model);
  const type = await context.prisma.knowledgeType.findUnique({ where: { name: args.knowledgeType } });
  if (type === null) throw notFound('KnowledgeType', args.knowledgeType);
  return storedKnowledgeMap(context.prisma, model.id, type, args.top);
}

function toGraphQL(m: EngineKnowledgeMap): KnowledgeMap {
  return {
    knowledgeType: m.knowledgeType,
    sentences: m.sentences,
    top: m.top,
    layers: m.layers,
    attentionScoreSum: m.totals.attentionScore,
    ffnScoreSum: m.totals.ffnScore,
    sharedNeurons: m.shared.neurons.map((n) => ({ kind: n.kind === 'ffn' ? 'FFN' : 'ATTENTION', layer: n.layer, head: n.head ?? null, index: n.index, frequency: n.frequency })),
    neuronUnion: m.shared.union,
    shareOfUnion: m.shared.shareOfUnion,
    shareOfSentence: m.shared.shareOfSentence,
    heads: m.heads,
  };
}

/** The Vega-Lite spec of plot `kind` of map `m`. */
function knowledgeMapSpec(m: EngineKnowledgeMap, kind: KnowledgeMapPlotKind): TopLevelSpec {
  switch (kind) {
    case 'LAYER_HISTOGRAM':
      return typeLayerHistogramSpec([m]);
    case 'LAYER_SCORES':
      return layerBarChartSpec(m.layers.map((l) => ({ layer: l.layer, attention: l.attentionScore, ffn: l.ffnScore })),
        { title: `${m.knowledgeType}: layer-level log-prob increase (mean over ${m.sentences} prompts)`, yTitle: 'log-prob increase' });
    case 'HEAD_HEATMAP':
      return headHeatmapSpec(m.heads, { title: `${m.knowledgeType}: head scores (mean log-prob increase)` });
  }
}

export const experimentQueries: Pick<QueryResolvers, 'knowledgeMap' | 'knowledgeMapPlot'> = {
  knowledgeMap: async (_parent, args, context) => {
    const m = await loadMap(context, args);
    return m === null ? null : toGraphQL(m);
  },
  knowledgeMapPlot: async (_parent, args, context) => {
    const m = await loadMap(context, args);
    if (m === null) return null;
    const spec = knowledgeMapSpec(m, args.kind);
    return { vegaLite: JSON.stringify(spec), svg: await renderSvg(spec) };
  },
};
