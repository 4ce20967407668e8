// `npm run atlas -- forward`: runs a checkpoint on a prompt and prints the next-token distribution.
//   forward --model DIR (--prompt TEXT | --ids 1,2,3) [--generate N] [--logits] [--top K] [--json]
// JSON: { ids, top: [{ id, text, logit, prob }] (top-10), generated? (greedy ids), logits? (last position) }.
import { parseArgs } from 'node:util';
import { runModelCommand, UsageError } from '../lib/model-command.js';
import { forward, loadModel, logSoftmax, displayToken, type LoadedModel } from '../../engine/index.js';

const USAGE = 'usage: forward --model DIR (--prompt TEXT | --ids 1,2,3) [--generate N] [--logits] [--top K] [--json]';

function nonNegativeInt(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer: got ${JSON.stringify(v)}`);
  return n;
}

/** Top-k entries of the last position's logits: id, token text (null without tokenizer), logit, probability. */
function topTokens(model: LoadedModel, logits: Float32Array, k: number): { id: number; text: string | null; logit: number; prob: number }[] {
  const logp = logSoftmax(logits);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b).slice(0, k);
  return order.map((id) => ({ id, text: model.tokenizer?.tokenText(id) ?? null, logit: logits[id], prob: Math.exp(logp[id]) }));
}

/** Runs the command; returns the process exit code (2 for usage or input errors). */
export async function main(argv: string[]): Promise<number> {
  return runModelCommand('forward', USAGE, async (hold) => {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' }, prompt: { type: 'string' }, ids: { type: 'string' }, generate: { type: 'string' },
        logits: { type: 'boolean' }, top: { type: 'string' }, json: { type: 'boolean' },
      },
    });
    if (!v.model) throw new UsageError('--model DIR is required');
    if ((v.prompt === undefined) === (v.ids === undefined)) throw new UsageError('give exactly one of --prompt TEXT or --ids 1,2,3');
    const generate = v.generate === undefined ? 0 : nonNegativeInt('generate', v.generate);
    const topK = v.top === undefined ? 10 : nonNegativeInt('top', v.top);
    const model = hold(await loadModel(v.model));
    let ids: number[];
    if (v.ids !== undefined) {
      ids = v.ids.trim() === '' ? [] : v.ids.split(',').map((s) => nonNegativeInt('ids', s.trim()));
    } else {
      if (!model.tokenizer) throw new UsageError(`${v.model} has no tokenizer.json: pass --ids instead of --prompt`);
      ids = model.tokenizer.encode(v.prompt!); // exactly one of --prompt/--ids is set (checked above)
    }
    const V = model.config.dVocab;
    const lastRow = async (seq: number[]): Promise<Float32Array> => {
      const logits = (await forward(model, seq, { hooks: ['logits'] })).get('logits'); // model set above
      return logits.data.slice((seq.length - 1) * V, seq.length * V);
    };
    const last = await lastRow(ids);
    const top = topTokens(model, last, topK);
    const generated: number[] = [];
    if (generate > 0) {
      const seq = [...ids];
      let row = last;
      while (generated.length < generate && seq.length < model.config.nCtx) {
        let best = 0;
        for (let t = 1; t < V; t++) if (row[t] > row[best]) best = t;
        generated.push(best);
        seq.push(best);
        if (generated.length < generate && seq.length < model.config.nCtx) row = await lastRow(seq);
      }
    }
    const doc = {
      ids,
      top,
      ...(v.generate !== undefined ? { generated } : {}),
      ...(v.logits ? { logits: Array.from(last) } : {}),
    };
    if (v.json) {
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    } else {
      const tokenizer = model.tokenizer;
      const show = (id: number): string => (tokenizer ? displayToken(tokenizer.tokenText(id)) : `#${id}`);
      const lines = [`ids: ${ids.join(',')}`, 'top next tokens (id, token, logit, prob):'];
      for (const t of top) lines.push(`  ${String(t.id).padStart(6)}  ${show(t.id).padEnd(16)} ${t.logit.toFixed(4).padStart(10)}  ${t.prob.toFixed(5)}`);
      if (v.generate !== undefined) {
        lines.push(`generated: ${generated.join(',')}`);
        if (model.tokenizer) lines.push(`text: ${JSON.stringify(model.tokenizer.decode([...ids, ...generated]))}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  });
}
