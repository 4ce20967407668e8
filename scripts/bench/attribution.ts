// Benchmark of engine/attribution (prints one JSON object). Each case runs in its own child
// process so its peak RSS is its own. Checkpoints are generated into .cache/bench/ on first use.
// Usage: npm run bench -- attribution [--cases pruned,brute,large,bulk] [--top K] [--repeat N]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  attributeCache, bulkProjectFfn, disposeProjector, forward, loadModel, type AttributionResult, type LoadedModel,
} from '../../engine/index.js';
import { makeRng } from '../lib/rng.js';
import { PRESETS, writeRandomCheckpoint, type RandomCheckpointSpec } from '../lib/random-checkpoint.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const CACHE = join(ROOT, '.cache', 'bench');
const SHAPES: Record<string, RandomCheckpointSpec> = {
  'gpt2-small': { ...PRESETS['gpt2-small'], seed: 1 },
  'gpt2-large': { architecture: 'gpt2', nLayers: 36, dModel: 1280, nHeads: 20, dMlp: 5120, dVocab: 50257, nCtx: 1024, seed: 2 },
};
const CASES = ['pruned', 'brute', 'large', 'bulk'] as const;
type CaseName = (typeof CASES)[number];

/** A random checkpoint of `shape` under .cache/bench/, generated when missing. */
export function benchCheckpoint(shape: keyof typeof SHAPES): string {
  const dir = join(CACHE, shape);
  if (!existsSync(join(dir, 'model.safetensors'))) writeRandomCheckpoint(dir, SHAPES[shape]);
  return dir;
}

function promptIds(n: number, vocab: number): number[] {
  const rng = makeRng(42);
  return Array.from({ length: n }, () => rng.int(vocab));
}

async function timeAttribution(model: LoadedModel, ids: number[], top: number, exactAll: boolean, repeat: number) {
  const runs: number[] = [];
  let res: AttributionResult | null = null;
  let forwardMs = 0;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    const cache = await forward(model, ids);
    const t1 = performance.now();
    res = await attributeCache(model, cache, { top, exactAll });
    runs.push(performance.now() - t0);
    forwardMs = t1 - t0;
  }
  const r = res!; // repeat >= 1
  return {
    warmMs: Math.min(...runs.slice(exactAll ? 0 : 1).concat(runs.length === 1 ? runs : [])), runsMs: runs.map(Math.round), forwardMs: Math.round(forwardMs),
    phasesMs: r.stats.ms, ffnScored: r.stats.ffnScored, ffnCandidates: r.stats.ffnCandidates,
    attentionScored: r.stats.attentionScored, attentionCandidates: r.stats.attentionCandidates,
    topFfn: r.ffnNeurons.slice(0, 3).map((n) => [n.layer, n.neuron, +n.score.toFixed(6)]),
    ffnKeys: r.ffnNeurons.map((n) => `${n.layer}:${n.neuron}`),
    attnKeys: r.attentionNeurons.map((n) => `${n.layer}:${n.head}:${n.dim}:${n.position}`),
    ffnScores: r.ffnNeurons.map((n) => n.score), attnScores: r.attentionNeurons.map((n) => n.score),
  };
}

async function runCase(name: CaseName, top: number, repeat: number): Promise<Record<string, unknown>> {
  const shape = name === 'large' ? 'gpt2-large' : 'gpt2-small';
  const tLoad = performance.now();
  const model = await loadModel(benchCheckpoint(shape));
  const loadMs = performance.now() - tLoad;
  const ids = promptIds(8, model.config.dVocab);
  try {
    if (name === 'bulk') {
      await bulkProjectFfn(model, 20, {}, () => undefined).then(() => undefined, () => undefined).catch(() => undefined);
      const t0 = performance.now();
      const layers = await bulkProjectFfn(model, 20);
      return { shape, neurons: layers.length * model.config.dMlp, k: 20, ms: Math.round(performance.now() - t0), loadMs: Math.round(loadMs), note: 'second pass (first pass warms the sessions)' };
    }
    const res = await timeAttribution(model, ids, top, name === 'brute', name === 'brute' ? 1 : repeat);
    return { shape, top, promptTokens: ids.length, loadMs: Math.round(loadMs), ...res };
  } finally {
    await disposeProjector(model);
    await model.dispose();
  }
}

function child(name: CaseName, top: number, repeat: number): Record<string, unknown> {
  const script = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, [...process.execArgv, script, '--child', name, '--top', String(top), '--repeat', String(repeat)],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (out.status !== 0) return { error: (out.stderr || `exit ${out.status}`).slice(-2000) };
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as Record<string, unknown>; // the child prints one JSON line last
}

/** Runs the attribution benchmark (see the file header) and prints JSON. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { child: { type: 'string' }, cases: { type: 'string' }, top: { type: 'string' }, repeat: { type: 'string' } } });
  const top = Number(values.top ?? 300);
  const repeat = Number(values.repeat ?? 3);
  if (values.child) {
    const res = await runCase(values.child as CaseName, top, repeat); // a name this script passed itself
    res.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stdout.write(`${JSON.stringify(res)}\n`);
    return;
  }
  const wanted = (values.cases ?? CASES.join(',')).split(',') as CaseName[]; // validated below
  for (const c of wanted) if (!CASES.includes(c)) throw new Error(`unknown case ${c}; known: ${CASES.join(', ')}`);
  for (const c of wanted) benchCheckpoint(c === 'large' ? 'gpt2-large' : 'gpt2-small');
  const results: Record<string, Record<string, unknown>> = {};
  for (const c of wanted) results[c] = child(c, top, repeat);
  const summary: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length } };
  const p = results.pruned;
  const b = results.brute;
  if (p && b && !p.error && !b.error) {
    const same = (k: string): boolean => JSON.stringify(p[k]) === JSON.stringify(b[k]);
    const maxDiff = (k: string): number => Math.max(0, ...(p[k] as number[]).map((v, i) => Math.abs(v - (b[k] as number[])[i])));
    summary.smallSpeedup = +((b.warmMs as number) / (p.warmMs as number)).toFixed(1);
    summary.sameTopK = { ffn: same('ffnKeys'), attention: same('attnKeys'), maxScoreDiffFfn: maxDiff('ffnScores'), maxScoreDiffAttention: maxDiff('attnScores') };
  }
  for (const r of Object.values(results)) for (const k of ['ffnKeys', 'attnKeys', 'ffnScores', 'attnScores']) delete r[k];
  process.stdout.write(`${JSON.stringify({ benchmark: 'attribution', ...results, summary }, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
