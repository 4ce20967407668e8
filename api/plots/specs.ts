// Vega-Lite specs of the paper's figures, built from engine results: layer bar charts (attention
// vs FFN), head heatmaps and per-type layer histograms. Data is inlined, so a spec is self-contained.
import type { TopLevelSpec } from 'vega-lite';
import type { KnowledgeMap } from '../../engine/index.js';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

const COLORS = { domain: ['attention', 'FFN'], range: ['#4c78a8', '#f58518'] };

/** Grouped bars per layer: attention and FFN values side by side (e.g. layer scores). */
export function layerBarChartSpec(layers: readonly { readonly layer: number; readonly attention: number; readonly ffn: number }[],
  opts: { readonly title: string; readonly yTitle: string }): TopLevelSpec {
  const values = layers.flatMap((l) => [
    { layer: l.layer, part: 'attention', value: l.attention },
    { layer: l.layer, part: 'FFN', value: l.ffn },
  ]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: opts.title,
    width: { step: 28 },
    height: 220,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'layer', type: 'ordinal', title: 'layer', axis: { labelAngle: 0 } },
      xOffset: { field: 'part', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: opts.yTitle },
      color: { field: 'part', type: 'nominal', title: null, scale: COLORS },
      tooltip: [{ field: 'layer', type: 'ordinal' }, { field: 'part', type: 'nominal' }, { field: 'value', type: 'quantitative', format: '.4f' }],
    },
  };
}

/** Heatmap of head scores: layer on y, head on x, colour = score (diverging around 0). */
export function headHeatmapSpec(heads: readonly { readonly layer: number; readonly head: number; readonly score: number }[],
  opts: { readonly title: string }): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: opts.title,
    data: { values: heads.map(({ layer, head, score }) => ({ layer, head, score })) },
    mark: 'rect',
    width: { step: 22 },
    height: { step: 22 },
    encoding: {
      x: { field: 'head', type: 'ordinal', title: 'head', axis: { labelAngle: 0 } },
      y: { field: 'layer', type: 'ordinal', title: 'layer', sort: 'descending' },
      color: { field: 'score', type: 'quantitative', title: 'log-prob increase', scale: { scheme: 'redblue', domainMid: 0, reverse: true } },
      tooltip: [{ field: 'layer', type: 'ordinal' }, { field: 'head', type: 'ordinal' }, { field: 'score', type: 'quantitative', format: '.4f' }],
    },
  };
}

/** One panel per knowledge type: mean count of top value neurons per layer, attention vs FFN. */
export function typeLayerHistogramSpec(maps: readonly KnowledgeMap[], opts: { readonly title?: string } = {}): TopLevelSpec {
  const values = maps.flatMap((m) => m.layers.flatMap((l) => [
    { type: m.knowledgeType, layer: l.layer, part: 'attention', count: l.attentionNeurons },
    { type: m.knowledgeType, layer: l.layer, part: 'FFN', count: l.ffnNeurons },
  ]));
  const top = maps[0]?.top ?? 300;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: opts.title ?? `Top-${top} value neurons per layer, by knowledge type`,
    data: { values },
    facet: { field: 'type', type: 'nominal', title: null, sort: maps.map((m) => m.knowledgeType) },
    columns: 3,
    spec: {
      width: { step: 18 },
      height: 140,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'ordinal', title: 'layer', axis: { labelAngle: 0 } },
        xOffset: { field: 'part', type: 'nominal' },
        y: { field: 'count', type: 'quantitative', title: 'neurons per sentence' },
        color: { field: 'part', type: 'nominal', title: null, scale: COLORS },
      },
    },
  };
}
