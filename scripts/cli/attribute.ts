// `npm run atlas -- attribute`: the paper's attribution for one prompt, printed as JSON (--json) or
// as a short summary. Usage:
//   attribute --model DIR (--prompt TEXT | --ids 1,2,3) [--target TOKEN | --target-id N] [--top K]
//     [--method NAME|a-h] [--exact-all] [--query-top N] [--head-positions] [--json]
import { parseArgs } from 'node:util';
import { runModelCommand, UsageError } from '../lib/model-command.js';
import {
  attribute, AttributionError, loadModel, parseMethod, targetFromText, type AttributionResult, type LoadedModel,
} from '../../engine/index.js';

const USAGE = 'usage: attribute --model DIR (--prompt TEXT | --ids 1,2,3) [--target TOKEN | --target-id N] [--top K] [--method NAME] [--exact-all] [--query-top N] [--head-positions] [--json]';


function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer: got ${JSON.stringify(v)}`);
  return n;
}

function tokenizerOf(model: LoadedModel, why: string) {
  if (!model.tokenizer) throw new AttributionError('NO_TOKENIZER', `${model.dir} has no tokenizer.json: ${why}`);
  return model.tokenizer;
}

/** The JSON document the CLI prints (the API returns the same fields). */
function attributionJson(model: LoadedModel, res: AttributionResult, withHeadPositions: boolean): Record<string, unknown> {
  const text = (id: number): string | null => model.tokenizer?.tokenText(id) ?? null;
  return {
    target: { id: res.target.id, text: text(res.target.id), prob: res.target.prob, logProb: res.target.logProb, rank: res.target.rank },
    method: res.method,
    ffnNeurons: res.ffnNeurons,
    attentionNeurons: res.attentionNeurons.map(({ layer, head, dim, position, score, coefficient }) => ({ layer, head, dim, position, score, coefficient })),
    layers: res.layers,
    heads: res.heads,
    ...(withHeadPositions ? { headPositions: res.headPositions } : {}),
    queryNeurons: res.queryNeurons,
    queryLayers: res.queryLayers,
    stats: res.stats,
  };
}

/** Runs the command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  return runModelCommand('attribute', USAGE, async (hold) => {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' }, prompt: { type: 'string' }, ids: { type: 'string' }, target: { type: 'string' },
        'target-id': { type: 'string' }, top: { type: 'string' }, method: { type: 'string' }, 'exact-all': { type: 'boolean' },
        'query-top': { type: 'string' }, 'head-positions': { type: 'boolean' }, json: { type: 'boolean' },
      },
    });
    if (!v.model) throw new UsageError('--model DIR is required');
    if ((v.prompt === undefined) === (v.ids === undefined)) throw new UsageError('give exactly one of --prompt TEXT or --ids 1,2,3');
    if (v.target !== undefined && v['target-id'] !== undefined) throw new UsageError('give at most one of --target and --target-id');
    const method = v.method === undefined ? undefined : parseMethod(v.method);
    const model = hold(await loadModel(v.model));
    const ids = v.ids !== undefined
      ? (v.ids.trim() === '' ? [] : v.ids.split(',').map((s) => int('ids', s.trim())))
      : tokenizerOf(model, '--prompt needs one; pass --ids instead').encode(v.prompt!); // one of the two is set (checked above)
    const target = v['target-id'] !== undefined ? int('target-id', v['target-id'])
      : v.target !== undefined ? targetFromText((t) => tokenizerOf(model, '--target needs one; pass --target-id').encode(t, { addSpecialTokens: false }), v.target)
        : undefined;
    const res = await attribute(model, ids, {
      target, method, top: v.top === undefined ? undefined : int('top', v.top), exactAll: v['exact-all'] ?? false,
      queryTop: v['query-top'] === undefined ? undefined : int('query-top', v['query-top']), headPositions: v['head-positions'] ?? false,
    });
    const doc = attributionJson(model, res, v['head-positions'] ?? false);
    if (v.json) {
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      const t = doc.target as { id: number; text: string | null; prob: number };
      const lines = [`target ${t.id} ${JSON.stringify(t.text)} p=${t.prob.toFixed(4)} (method ${res.method})`, 'top FFN neurons (layer, neuron, score, coefficient):'];
      for (const n of res.ffnNeurons.slice(0, 10)) lines.push(`  L${n.layer} N${n.neuron}  ${n.score.toFixed(5)}  m=${n.coefficient.toFixed(4)}`);
      lines.push('top attention neurons (layer, head, dim, position, score):');
      for (const n of res.attentionNeurons.slice(0, 10)) lines.push(`  L${n.layer} H${n.head} d${n.dim} p${n.position}  ${n.score.toFixed(5)}`);
      lines.push('top query neurons (layer, neuron, score):');
      for (const n of res.queryNeurons.slice(0, 10)) lines.push(`  L${n.layer} N${n.neuron}  ${n.score.toFixed(5)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  });
}

if (process.argv[1]?.endsWith('attribute.ts') && process.argv[1].includes('cli')) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
