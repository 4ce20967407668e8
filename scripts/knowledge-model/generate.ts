// The knowledge model generator: library (generateKnowledgeModel, ensureKnowledgeModel) and CLI
//   node --import tsx scripts/knowledge-model/generate.ts --out DIR [--seed N]
// Writes a Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json) plus dataset.jsonl, mechanism.json and generator.json.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forward, loadModel, TextTokenizer } from '../../engine/index.js';
import { encodeSafetensors } from '../../engine/checkpoint/write-safetensors.js';
import { writeGpt2Tokenizer } from '../lib/gpt2-tokenizer.js';
import { buildDataset, describeMechanism } from './dataset.js';
import { gpt2ConfigJson, toHfTensors } from './gpt2-weights.js';
import { buildMechanism } from './mechanism.js';
import { planFacts } from './plan.js';

/** Bump when the facts, the mechanism or the file layout change: cached models are regenerated. */
export const GENERATOR_VERSION = 2;
export const DEFAULT_SEED = 20240;
export const DEFAULT_CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../.cache');

export interface KnowledgeModelFiles {
  /** The checkpoint folder. */
  readonly dir: string;
  /** dataset.jsonl inside `dir`. */
  readonly datasetPath: string;
}

/**
 * Generates the model into `outDir` (replacing it) from `seed`; deterministic for a seed.
 * Built in a sibling temporary folder and renamed into place, so a crash leaves no half model.
 */
export async function generateKnowledgeModel(outDir: string, seed = DEFAULT_SEED): Promise<KnowledgeModelFiles> {
  const dir = resolve(outDir);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeGpt2Tokenizer(tmp);
    const plan = planFacts(TextTokenizer.fromFile(join(tmp, 'tokenizer.json')));
    const mech = buildMechanism(plan, seed);
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(gpt2ConfigJson(mech.weights.shape), null, 2));

    // Measure r[l] at the last position with the value neurons silent, through the engine.
    const metadata = { format: 'pt', generator: 'neuron-atlas knowledge-model', version: String(GENERATOR_VERSION), seed: String(seed) };
    writeFileSync(join(tmp, 'model.safetensors'), encodeSafetensors(toHfTensors(mech.weights), metadata));
    const model = await loadModel(tmp, { intraOpNumThreads: 1 });
    const mids = new Map<number, Float32Array[]>(mech.valueLayers.map((l) => [l, []]));
    try {
      const d = mech.weights.shape.dModel;
      for (const p of plan.prompts) {
        const cache = await forward(model, p.ids, { hooks: mech.valueLayers.map((l) => `blocks.${l}.hook_resid_mid`) });
        const T = p.ids.length;
        for (const l of mech.valueLayers) mids.get(l)!.push(cache.get(`blocks.${l}.hook_resid_mid`).data.slice((T - 1) * d, T * d));
      }
    } finally {
      await model.dispose();
    }
    mech.calibrate(mids);

    writeFileSync(join(tmp, 'model.safetensors'), encodeSafetensors(toHfTensors(mech.weights), metadata));
    const records = buildDataset(plan, mech);
    writeFileSync(join(tmp, 'dataset.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(tmp, 'mechanism.json'), JSON.stringify(describeMechanism(plan, mech), null, 2));
    writeFileSync(join(tmp, 'generator.json'), JSON.stringify({ version: GENERATOR_VERSION, seed, prompts: records.length }, null, 2));
    // Another process (e.g. a parallel test worker) may have finished the same model first: the
    // bytes are identical for a seed, so keep whichever is in place and never delete a current one.
    if (isCurrent(dir, seed)) {
      rmSync(tmp, { recursive: true, force: true });
    } else {
      rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(tmp, dir);
      } catch (e) {
        if (!isCurrent(dir, seed)) throw e;
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir, datasetPath: join(dir, 'dataset.jsonl') };
}

/**
 * The knowledge model under `cacheDir/knowledge-model`, generated first if missing or written by
 * another generator version or seed.
 */
export async function ensureKnowledgeModel(cacheDir = DEFAULT_CACHE_DIR, seed = DEFAULT_SEED): Promise<KnowledgeModelFiles> {
  const dir = join(resolve(cacheDir), 'knowledge-model');
  if (isCurrent(dir, seed)) return { dir, datasetPath: join(dir, 'dataset.jsonl') };
  return generateKnowledgeModel(dir, seed);
}

/** True when `dir` holds a complete model written by this generator version with `seed`. */
function isCurrent(dir: string, seed: number): boolean {
  const stamp = join(dir, 'generator.json');
  const needed = ['config.json', 'model.safetensors', 'tokenizer.json', 'dataset.jsonl', 'mechanism.json'];
  if (!existsSync(stamp) || !needed.every((f) => existsSync(join(dir, f)))) return false;
  try {
    // Reason for the cast: checked field by field below.
    const s = JSON.parse(readFileSync(stamp, 'utf8')) as { version?: unknown; seed?: unknown };
    return s.version === GENERATOR_VERSION && s.seed === seed;
  } catch {
    return false;
  }
}

function parseArgs(argv: readonly string[]): { out: string; seed: number } {
  let out = join(DEFAULT_CACHE_DIR, 'knowledge-model');
  let seed = DEFAULT_SEED;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' && argv[i + 1]) out = argv[++i];
    else if (a === '--seed' && argv[i + 1]) {
      seed = Number(argv[++i]);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`--seed must be an integer in [0, 2^32): got ${argv[i]}`);
    } else throw new Error(`unknown argument ${a}; usage: generate.ts [--out DIR] [--seed N]`);
  }
  return { out, seed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const { out, seed } = parseArgs(process.argv.slice(2));
    const files = await generateKnowledgeModel(out, seed);
    console.log(JSON.stringify({ ...files, seed, ms: Date.now() - started }));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
