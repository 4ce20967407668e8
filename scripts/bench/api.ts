// `npm run bench -- api [--model knowledge|gpt2-small] [--rate N] [--seconds S] [--prompts N]`:
// the API over loopback HTTP against a fresh PostgreSQL database (DATABASE_URL's server, default
// postgresql://postgres@127.0.0.1:5432): cached attribution queries at a fixed arrival rate
// (open loop: latency counted from each request's scheduled start), then neuron search by
// projected token on the model's full projection index (every FFN and attention neuron, top and
// bottom 20 tokens). Prints one JSON object.
// The load generator shares the server's process (and the machine's cores).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapKnowledgeModel } from '../../api/bootstrap.js';
import { PROJECT_ROOT } from '../../api/config.js';
import { applyMigrations } from '../../api/database/migrate.js';
import { createPrisma } from '../../api/database/prisma.js';
import { EngineService } from '../../api/engine-service.js';
import { runIndexProjections } from '../../api/jobs.js';
import type { Logger } from '../../api/logger.js';
import { registerModel } from '../../api/model-registry.js';
import { importPrompts } from '../../api/prompt-import.js';
import { toGlobalId } from '../../api/relay.js';
import { startApiServer } from '../../api/server.js';
import { adminQuery, withDatabase } from '../../test/support/postgres-admin.js';
import { PRESETS, writeRandomCheckpoint } from '../lib/random-checkpoint.js';
import { existsSync } from 'node:fs';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (m, e) => process.stderr.write(`${m} ${String(e)}\n`) };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Fires `make(i)` at `rate` per second for `seconds`; latencies (ms) from each scheduled start. */
async function openLoop(rate: number, seconds: number, send: (i: number) => Promise<void>) {
  const total = Math.round(rate * seconds);
  const t0 = performance.now() + 50;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(Array.from({ length: total }, async (_, i) => {
    const at = t0 + (i * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
    try {
      await send(i);
    } catch {
      errors++;
    }
    latencies.push(performance.now() - at);
  }));
  latencies.sort((a, b) => a - b);
  return { requests: total, errors, p50Ms: +percentile(latencies, 50).toFixed(2), p99Ms: +percentile(latencies, 99).toFixed(2), maxMs: +(latencies.at(-1) ?? NaN).toFixed(2) };
}

/** Runs the benchmark; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    model: { type: 'string', default: 'knowledge' }, rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '10' },
    prompts: { type: 'string', default: '10' },
  } });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const nPrompts = Number(values.prompts);
  const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `atlas_bench_api_${process.pid}`;
  await adminQuery(server, `CREATE DATABASE "${name}"`);
  const url = withDatabase(server, name);
  const prisma = createPrisma(url);
  const engine = new EngineService({ memoryBytes: 4096 * 1024 * 1024 });
  try {
    await applyMigrations(url);
    let modelId: number;
    const setup: Record<string, number> = {};
    let t = performance.now();
    if (values.model === 'gpt2-small') {
      const dir = path.join(PROJECT_ROOT, '.cache', 'bench', 'gpt2-small-tokenizer');
      if (!existsSync(path.join(dir, 'config.json'))) writeRandomCheckpoint(dir, { ...PRESETS['gpt2-small'], seed: 1, gpt2Tokenizer: true });
      const { model } = await registerModel(prisma, engine, [path.dirname(dir)], dir, 'gpt2-small');
      modelId = model.id;
      await importPrompts(prisma, engine, model, Array.from({ length: nPrompts }, (_, i) => ({
        text: `Benchmark prompt number ${i} is about the capital of`, tokenIds: null, expectedAnswer: null, knowledgeType: null,
      })));
    } else {
      modelId = (await bootstrapKnowledgeModel(prisma, engine, quiet, path.join(PROJECT_ROOT, '.cache'))).model.id;
    }
    setup.registerMs = Math.round(performance.now() - t);
    t = performance.now();
    const index = await runIndexProjections(prisma, engine, { modelId }, async () => undefined);
    setup.indexMs = Math.round(performance.now() - t);
    const rows = await prisma.vocabProjection.count({ where: { modelId } });

    const api = await startApiServer({ port: 0, host: '127.0.0.1', bodyLimitBytes: 1 << 20, log: quiet, prisma, engine });
    const post = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { errors?: unknown[] };
      if (res.status !== 200 || body.errors) throw new Error(JSON.stringify(body.errors));
    };
    try {
      const prompts = await prisma.prompt.findMany({ where: { modelId }, orderBy: { id: 'asc' }, take: nPrompts, select: { id: true } });
      const RUN = `query($p: ID!) { attribution(promptId: $p) { id status target { tokenId prob }
        ffnNeurons(first: 10) { edges { node { score neuron { layer index } } } } } }`;
      t = performance.now();
      for (const p of prompts) await post(RUN, { p: toGlobalId('Prompt', p.id) });
      setup.computeRunsMs = Math.round(performance.now() - t);
      const vars = prompts.map((p) => ({ p: toGlobalId('Prompt', p.id) }));
      await openLoop(50, 2, (i) => post(RUN, vars[i % vars.length] ?? {})); // warm-up
      const cachedAttribution = await openLoop(rate, seconds, (i) => post(RUN, vars[i % vars.length] ?? {}));

      const tokens = await prisma.$queryRaw<{ tokenId: number }[]>`
        SELECT "tokenId" FROM "VocabProjection" WHERE "modelId" = ${modelId} AND "side" = 'TOP' GROUP BY "tokenId" ORDER BY COUNT(*) DESC LIMIT 200`;
      const SEARCH = `query($m: ID!, $t: Int!) { neurons(model: $m, filter: { projectsTo: { tokenId: $t } }, orderBy: PROJECTION_LOGIT, first: 20) {
        edges { node { projectionLogit neuron { layer index } } } } }`;
      const m = toGlobalId('Model', modelId);
      await openLoop(20, 2, (i) => post(SEARCH, { m, t: tokens[i % tokens.length]?.tokenId ?? 0 }));
      const searchRate = Math.min(rate, 100);
      const searchByToken = await openLoop(searchRate, seconds, (i) => post(SEARCH, { m, t: tokens[(i * 7) % tokens.length]?.tokenId ?? 0 }));
      process.stdout.write(`${JSON.stringify({
        benchmark: 'api', model: values.model, prompts: prompts.length, projectionRows: rows, indexedNeurons: index.neurons, setup,
        cachedAttribution: { ratePerSecond: rate, seconds, ...cachedAttribution, targetP99Ms: 30 },
        searchByProjectedToken: { ratePerSecond: searchRate, seconds, distinctTokens: tokens.length, ...searchByToken, targetP99Ms: 50 },
      }, null, 2)}\n`);
    } finally {
      await api.stop();
    }
    return 0;
  } finally {
    await engine.close();
    await prisma.$disconnect();
    await adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}
