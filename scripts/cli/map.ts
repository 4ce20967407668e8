// `npm run atlas -- map`: knowledge maps per type (method.md section 7) over a filtered dataset.
//   map --model DIR --dataset FILE [--top 300] [--top-heads 5] [--filter-top 10] [--type-candidates]
//     [--per-type N] [--plots DIR] [--json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import { headHeatmapSpec, layerBarChartSpec, renderSvg, typeLayerHistogramSpec } from '../../api/plots/index.js';
import {
  attributeSentences, filterDataset, firstPerType, knowledgeMaps, loadModel, readDataset, sharedHeads,
  type KnowledgeMap,
} from '../../engine/index.js';
import { progressBar } from '../lib/progress.js';
import { runModelCommand, UsageError } from '../lib/model-command.js';
import { intOption } from './evaluate.js';

const USAGE = 'usage: map --model DIR --dataset FILE [--top 300] [--top-heads 5] [--filter-top 10] [--type-candidates] [--per-type N] [--plots DIR] [--json]';

/** A short text rendering: per type, the layer histogram and score sums, shared neurons and top heads. */
function formatMaps(maps: readonly KnowledgeMap[], shared: ReturnType<typeof sharedHeads>): string {
  const lines: string[] = [];
  for (const m of maps) {
    lines.push(`== ${m.knowledgeType} (${m.sentences} sentences, top-${m.top} value neurons)`,
      'layer  attn-neurons  ffn-neurons  attn-score  ffn-score  query-only  query+value');
    for (const l of m.layers) {
      lines.push(`${String(l.layer).padStart(5)}  ${l.attentionNeurons.toFixed(1).padStart(12)}  ${l.ffnNeurons.toFixed(1).padStart(11)}  `
        + `${l.attentionScore.toFixed(3).padStart(10)}  ${l.ffnScore.toFixed(3).padStart(9)}  ${l.queryOnly.toFixed(1).padStart(10)}  ${l.queryAndValue.toFixed(1).padStart(11)}`);
    }
    lines.push(`sum of layer scores: attention ${m.totals.attentionScore.toFixed(3)}, FFN ${m.totals.ffnScore.toFixed(3)}`,
      `shared by >50% of sentences: ${m.shared.neurons.length} of ${m.shared.union} neurons (${(100 * m.shared.shareOfUnion).toFixed(1)}%; `
      + `${(100 * m.shared.shareOfSentence).toFixed(1)}% of a sentence's top neurons)`,
      `top heads: ${m.heads.slice(0, 5).map((h) => `L${h.layer}H${h.head} ${h.score.toFixed(3)}`).join(', ')}`);
  }
  lines.push(`heads shared across types: ${shared.length === 0 ? 'none' : shared.map((h) => `L${h.layer}H${h.head} (${h.knowledgeTypes.join(', ')})`).join('; ')}`);
  return lines.join('\n');
}

/** The plots of `maps` (spec JSON and SVG per plot), named by kind and type; returns the file stems. */
async function writePlots(dir: string, maps: readonly KnowledgeMap[]): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const plots: [string, TopLevelSpec][] = [['type-layer-histogram', typeLayerHistogramSpec(maps)]];
  for (const m of maps) {
    const slug = m.knowledgeType.replace(/[^A-Za-z0-9_-]+/g, '_');
    plots.push([`layer-scores-${slug}`, layerBarChartSpec(m.layers.map((l) => ({ layer: l.layer, attention: l.attentionScore, ffn: l.ffnScore })),
      { title: `${m.knowledgeType}: layer-level log-prob increase (mean over ${m.sentences} sentences)`, yTitle: 'log-prob increase' })]);
    plots.push([`head-heatmap-${slug}`, headHeatmapSpec(m.heads, { title: `${m.knowledgeType}: head scores (mean log-prob increase)` })]);
  }
  for (const [stem, spec] of plots) {
    writeFileSync(join(dir, `${stem}.vl.json`), `${JSON.stringify(spec, null, 2)}\n`);
    writeFileSync(join(dir, `${stem}.svg`), await renderSvg(spec));
  }
  return plots.map(([stem]) => stem);
}

/** Runs the command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  return runModelCommand('map', USAGE, async (hold) => {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' }, dataset: { type: 'string' }, top: { type: 'string' }, 'top-heads': { type: 'string' },
        'filter-top': { type: 'string' }, 'type-candidates': { type: 'boolean' }, 'per-type': { type: 'string' }, plots: { type: 'string' }, json: { type: 'boolean' },
      },
    });
    if (!v.model) throw new UsageError('--model DIR is required');
    if (!v.dataset) throw new UsageError('--dataset FILE is required');
    const top = intOption('top', v.top) ?? 300;
    const topHeads = intOption('top-heads', v['top-heads']) ?? 5;
    const perType = intOption('per-type', v['per-type']);
    const records = readDataset(v.dataset);
    const model = hold(await loadModel(v.model));
    const bar1 = progressBar('filter   ');
    const { kept, report: filter } = await filterDataset(model, records, { topK: intOption('filter-top', v['filter-top']), typeCandidates: v['type-candidates'] ?? false },
      (d, t) => bar1.update(d, t));
    bar1.end();
    const chosen = perType === undefined ? kept : firstPerType(kept, perType);
    const bar2 = progressBar('attribute');
    const attributions = await attributeSentences(model, chosen, top, (d, t) => bar2.update(d, t));
    bar2.end();
    const maps = knowledgeMaps(attributions, { top, queryTop: top });
    const shared = sharedHeads(maps, topHeads);
    if (v.plots) await writePlots(v.plots, maps);
    if (v.json) process.stdout.write(`${JSON.stringify({ model: v.model, dataset: v.dataset, filter, mapped: chosen.length, maps, sharedHeads: shared }, null, 2)}\n`);
    else process.stdout.write(`filter: kept ${filter.kept}/${filter.total}; mapped ${chosen.length}\n${formatMaps(maps, shared)}\n`);
    return 0;
  });
}
