// Benchmark of checkpoint loading and the forward pass on a random gpt2-small-shaped checkpoint
// (generated into .cache/bench/ on first use, by a separate process). The measurement runs in a
// fresh child process so its peak RSS is the engine's alone. Prints one JSON object.
// Usage: npm run bench -- forward [--shape gpt2-small] [--runs N] [--threads N] [--dir CHECKPOINT]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { forward, loadModel } from '../../engine/index.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const SHAPES: Record<string, string[]> = {
  'gpt2-small': ['--preset', 'gpt2-small', '--seed', '1'],
  'llama-small': ['--arch', 'llama', '--layers', '12', '--d-model', '768', '--heads', '12', '--kv-heads', '4', '--d-mlp', '2048',
    '--vocab', '32000', '--ctx', '1024', '--seed', '1'],
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

async function measure(dir: string, runs: number, threads: number): Promise<Record<string, unknown>> {
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const model = await loadModel(dir, { intraOpNumThreads: threads });
  const loadMs = performance.now() - t0;
  const peakAfterLoad = process.resourceUsage().maxRSS * 1024;
  const weightBytes = model.weightBytes();
  const latency: Record<string, unknown> = {};
  try {
    for (const T of [8, 64]) {
      const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 13) % model.config.dVocab);
      const t1 = performance.now();
      await forward(model, ids);
      const firstMs = performance.now() - t1;
      await forward(model, ids);
      const all: number[] = [];
      const logitsOnly: number[] = [];
      for (let r = 0; r < runs; r++) {
        let s = performance.now();
        await forward(model, ids);
        all.push(performance.now() - s);
        s = performance.now();
        await forward(model, ids, { hooks: ['logits'] });
        logitsOnly.push(performance.now() - s);
      }
      latency[`tokens${T}`] = {
        firstMs: Math.round(firstMs), warmMedianMs: Math.round(median(all) * 10) / 10, warmMinMs: Math.round(Math.min(...all) * 10) / 10,
        logitsOnlyMedianMs: Math.round(median(logitsOnly) * 10) / 10,
        peakRssSoFarMB: mb(process.resourceUsage().maxRSS * 1024),
      };
    }
  } finally {
    await model.dispose();
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  return {
    checkpoint: dir,
    config: model.config,
    threads,
    runs,
    loadMs: Math.round(loadMs),
    fp32WeightMB: mb(weightBytes),
    rssBeforeLoadMB: mb(rssBefore),
    peakRssAfterLoadMB: mb(peakAfterLoad),
    peakRssMB: mb(peakRss),
    peakRssOverWeights: Math.round((peakRss / weightBytes) * 100) / 100,
    peakRssAfterLoadOverWeights: Math.round((peakAfterLoad / weightBytes) * 100) / 100,
    /** Excludes node + tsx + onnxruntime's own resident size before loading. */
    peakRssAboveBaselineOverWeights: Math.round(((peakRss - rssBefore) / weightBytes) * 100) / 100,
    goals: { peakRssOverWeights: 1.5, warm8TokensMs: 150 },
    latency,
  };
}

/** Runs the benchmark; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      shape: { type: 'string', default: 'gpt2-small' }, runs: { type: 'string', default: '7' }, threads: { type: 'string', default: '2' },
      dir: { type: 'string' }, child: { type: 'boolean' },
    },
  });
  const runs = Number(v.runs);
  const threads = Number(v.threads);
  if (v.child) {
    process.stdout.write(`${JSON.stringify(await measure(v.dir!, runs, threads))}\n`); // the parent always passes --dir
    return 0;
  }
  let dir = v.dir;
  let generatedSeconds: number | null = null;
  if (!dir) {
    const gen = SHAPES[v.shape];
    if (!gen) throw new Error(`unknown --shape ${v.shape}; known: ${Object.keys(SHAPES).join(', ')}`);
    dir = join(ROOT, '.cache', 'bench', v.shape);
    if (!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'model.safetensors'))) {
      const t = performance.now();
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'generate-checkpoint.ts'), '--out', dir, ...gen], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`checkpoint generation failed (exit ${r.status})`);
      generatedSeconds = Math.round((performance.now() - t) / 100) / 10;
    }
  }
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--dir', dir, '--runs', String(runs), '--threads', String(threads)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 2 ** 20,
  });
  if (child.status !== 0) throw new Error(`measurement process failed (exit ${child.status})`);
  const result = JSON.parse(child.stdout) as Record<string, unknown>; // our own child's one JSON object
  process.stdout.write(`${JSON.stringify({ benchmark: 'forward', shape: v.dir ? null : v.shape, generatedSeconds, ...result }, null, 2)}\n`);
  return 0;
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
