// `npm run atlas -- evaluate`: the paper's ablation comparison (method.md section 6) on a dataset.
//   evaluate --model DIR --dataset FILE [--k 10] [--methods a,b,...] [--value-attention 200]
//     [--value-ffn 100] [--query-neurons 1000] [--seed 0] [--filter-top 10] [--type-candidates]
//     [--per-type N] [--sentences] [--json]
import { parseArgs } from 'node:util';
import {
  evaluateSentences, filterDataset, firstPerType, loadModel, parseMethod, readDataset,
  type AblationMetrics, type EvaluationReport, type FilterReport,
} from '../../engine/index.js';
import { runModelCommand, UsageError } from '../lib/model-command.js';
import { progressBar } from '../lib/progress.js';

const USAGE = 'usage: evaluate --model DIR --dataset FILE [--k 10] [--methods a,b,...] [--value-attention 200] [--value-ffn 100] '
  + '[--query-neurons 1000] [--seed 0] [--filter-top 10] [--type-candidates] [--per-type N] [--sentences] [--json]';


/** Parses a positive integer option (undefined when absent); throws UsageError. */
export function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer: got ${JSON.stringify(v)}`);
  return n;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)}%` : 'n/a');
const row = (name: string, m: AblationMetrics): string => `${name.padEnd(22)} ${m.before.mrr.toFixed(3)} -> ${m.after.mrr.toFixed(3)} (${pct(m.decreasePct.mrr).padStart(6)})   `
  + `${(100 * m.before.prob).toFixed(2)}% -> ${(100 * m.after.prob).toFixed(2)}% (${pct(m.decreasePct.prob).padStart(6)})   ${m.before.logProb.toFixed(3)} -> ${m.after.logProb.toFixed(3)}`;

/** The human-readable summary: filter counts and one row per condition, overall then per type. */
function formatReport(filter: FilterReport, rep: EvaluationReport): string {
  const lines = [
    `filter: kept ${filter.kept}/${filter.total} (answer in top-${filter.topK}${filter.dropped['below-candidate'] ? ', above its candidates' : ''}; `
    + `dropped ${filter.dropped['not-in-top-k']} not in top-k, ${filter.dropped['below-candidate']} below a candidate, ${filter.dropped.invalid} invalid)`,
    `evaluated ${rep.sentences.length} sentences; top-${rep.settings.k} FFN per method; value = top-${rep.settings.valueAttention} attention + top-${rep.settings.valueFfn} FFN; query = top-${rep.settings.queryNeurons}; seed ${rep.settings.seed}`,
    `${'condition'.padEnd(22)} MRR before -> after (decrease)   p before -> after (decrease)   log p before -> after`,
  ];
  for (const c of rep.conditions) lines.push(row(c.name, c.overall));
  const types = Object.keys(rep.conditions[0]?.byType ?? {});
  for (const t of types) {
    lines.push(`-- ${t} (${rep.conditions[0].byType[t].n} sentences)`);
    for (const c of rep.conditions) lines.push(row(c.name, c.byType[t]));
  }
  return lines.join('\n');
}

/** Runs the command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  return runModelCommand('evaluate', USAGE, async (hold) => {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' }, dataset: { type: 'string' }, k: { type: 'string' }, methods: { type: 'string' },
        'value-attention': { type: 'string' }, 'value-ffn': { type: 'string' }, 'query-neurons': { type: 'string' }, seed: { type: 'string' },
        'filter-top': { type: 'string' }, 'type-candidates': { type: 'boolean' }, 'per-type': { type: 'string' },
        sentences: { type: 'boolean' }, json: { type: 'boolean' },
      },
    });
    if (!v.model) throw new UsageError('--model DIR is required');
    if (!v.dataset) throw new UsageError('--dataset FILE is required');
    const methods = v.methods === undefined ? undefined : v.methods.split(',').map((m) => parseMethod(m.trim()));
    const perType = intOption('per-type', v['per-type']);
    const filterTop = intOption('filter-top', v['filter-top']);
    const settings = {
      k: intOption('k', v.k), methods, valueAttention: intOption('value-attention', v['value-attention']), valueFfn: intOption('value-ffn', v['value-ffn']),
      queryNeurons: intOption('query-neurons', v['query-neurons']), seed: intOption('seed', v.seed), mapTop: 0,
    };
    const records = readDataset(v.dataset);
    const model = hold(await loadModel(v.model));
    const bar1 = progressBar('filter  ');
    const { kept, report: filter } = await filterDataset(model, records, { topK: filterTop, typeCandidates: v['type-candidates'] ?? false },
      (d, t) => bar1.update(d, t));
    bar1.end();
    const chosen = perType === undefined ? kept : firstPerType(kept, perType);
    const bar2 = progressBar('evaluate');
    const rep = await evaluateSentences(model, chosen, settings, (d, t) => bar2.update(d, t));
    bar2.end();
    if (v.json) {
      const doc = {
        model: v.model, dataset: v.dataset, filter, evaluated: chosen.length, settings: rep.settings, conditions: rep.conditions,
        ...(v.sentences ? { sentences: rep.sentences } : {}),
      };
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatReport(filter, rep)}\n`);
    }
    return 0;
  });
}
