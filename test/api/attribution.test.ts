// On-demand attribution over real HTTP on the knowledge model: computed once under concurrency
// (one server and two servers sharing the database), cached by key, written atomically, paged best
// first, and nested neuron queries with projections and annotations in a bounded number of SQL queries.
import pg from 'pg';
import { attributionServiceFor } from '../../api/attribution-service.js';
import { EngineService } from '../../api/engine-service.js';
import { toGlobalId } from '../../api/relay.js';
import { attribute, loadModel } from '../../engine/index.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let api: KnowledgeApi;
let db: TestDatabase;
let server: TestServer;
let server2: TestServer;
let engine: EngineService;
let engine2: EngineService;
let modelDir: string;
let modelId: number;
const queries: string[] = [];

beforeAll(async () => {
  api = await startKnowledgeApi({ prisma: { onQuery: (sql) => queries.push(sql) } });
  ({ db, server, engine } = api);
  // A second server with its own engine and cache service: another process as far as the work goes.
  engine2 = new EngineService({ memoryBytes: 512 * 1024 * 1024 });
  server2 = await startTestServer(db.prisma, { engine: engine2 });
  modelDir = api.model.sourcePath;
  modelId = api.model.id;
}, 120_000);

afterAll(async () => {
  await server2?.stop();
  await engine2?.close();
  await api?.close();
});

const RUN = `query($p: ID!, $t: AttributionTargetInput) { attribution(promptId: $p, target: $t) {
  id status engineVersion target { tokenId text prob rank } topPredictions { tokenId text prob }
  ffnNeurons(first: 5) { edges { node { rank score coefficient neuron { kind layer head index } } } }
  attentionNeurons(first: 3) { edges { node { rank score sourcePosition neuron { kind layer head index } } } }
  queryNeurons(first: 3) { edges { node { rank score } } }
  layers { layer attention ffn } heads(first: 3) { layer head score }
} }`;

async function promptIds(n: number): Promise<{ id: number; tokenIds: number[]; expectedAnswer: string | null }[]> {
  return db.prisma.prompt.findMany({ where: { modelId }, orderBy: { id: 'asc' }, take: n });
}

it('computes two identical concurrent requests once (one server, then two servers), and caches the run', async () => {
  const [a, b] = await promptIds(2);
  const service = attributionServiceFor(db.prisma, engine);
  const service2 = attributionServiceFor(db.prisma, engine2);
  const before = service.computations + service2.computations;
  // A reader polling meanwhile must never see a run without all its scores.
  let polling = true;
  const partial: string[] = [];
  const poll = (async () => {
    while (polling) {
      const runs = await db.prisma.attributionRun.findMany({ select: { id: true, _count: { select: { scores: true, layerScores: true } } } });
      for (const r of runs) if (r._count.scores === 0 || r._count.layerScores === 0) partial.push(`run ${r.id}: ${JSON.stringify(r._count)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const vars = { p: toGlobalId('Prompt', a.id) };
  const [r1, r2] = await Promise.all([server.graphql(RUN, vars), server.graphql(RUN, vars)]);
  const vars2 = { p: toGlobalId('Prompt', b.id) };
  const [r3, r4] = await Promise.all([server.graphql(RUN, vars2), server2.graphql(RUN, vars2)]);
  polling = false;
  await poll;
  for (const r of [r1, r2, r3, r4]) expect(r.body.errors).toBeUndefined();
  expect(r2.body).toEqual(r1.body);
  expect(r4.body).toEqual(r3.body);
  expect(service.computations + service2.computations - before).toBe(2);
  expect(await db.prisma.attributionRun.count({ where: { promptId: { in: [a.id, b.id] } } })).toBe(2);
  expect(partial).toEqual([]);

  const cached = await server2.graphql(RUN, vars);
  expect(cached.body).toEqual(r1.body);
  expect(service.computations + service2.computations - before).toBe(2);
  const run = r1.body.data.attribution;
  expect(run.status).toBe('SUCCEEDED');
  expect(run.target.rank).toBe(1);
  expect(run.target.text).toBe(a.expectedAnswer);
  expect(run.topPredictions[0].tokenId).toBe(run.target.tokenId);
}, 120_000);

// pg's pool (10 connections) would be exhausted if every request waiting for the single engine
// lane held an open transaction; backends "idle in transaction" are such held connections.
it('a burst of 12 distinct computations (more than the pool of 10 connections): one transaction open at a time, reads still answered, every run stored once', async () => {
  const prompts = (await db.prisma.prompt.findMany({ where: { modelId }, orderBy: { id: 'desc' }, take: 12 }));
  const watcher = new pg.Client({ connectionString: db.url });
  await watcher.connect();
  let sampling = true;
  let maxOpen = 0;
  let samples = 0;
  const sample = (async () => {
    while (sampling) {
      const { rows } = await watcher.query<{ open: number }>(
        "SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()");
      maxOpen = Math.max(maxOpen, rows[0]?.open ?? 0);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    const burst = Promise.all(prompts.map((p) => server.graphql(RUN, { p: toGlobalId('Prompt', p.id) })));
    // A read issued after the burst started is answered (it needs a free connection).
    const read = await server.graphql(`{ model(id: "${toGlobalId('Model', modelId)}") { name } }`);
    expect(read.body.errors).toBeUndefined();
    const answers = await burst;
    for (const a of answers) expect(a.body.data.attribution.status).toBe('SUCCEEDED');
  } finally {
    sampling = false;
    await sample;
    await watcher.end();
  }
  process.stdout.write(`burst of ${prompts.length}: at most ${maxOpen} backend(s) idle in transaction over ${samples} samples\n`);
  expect(samples).toBeGreaterThan(10);
  expect(maxOpen).toBeLessThanOrEqual(1);
  expect(await db.prisma.attributionRun.count({ where: { promptId: { in: prompts.map((p) => p.id) } } })).toBe(12);
}, 120_000);

it('stores what the engine computes for the prompt (top FFN and attention neurons, scores within 1e-9)', async () => {
  const [a] = await promptIds(1);
  const res = await server.graphql(RUN, { p: toGlobalId('Prompt', a.id) });
  const run = res.body.data.attribution;
  const model = await loadModel(modelDir);
  try {
    const direct = await attribute(model, a.tokenIds, { top: 300, headPositions: true });
    expect(run.target.tokenId).toBe(direct.target.id);
    const ffn = run.ffnNeurons.edges.map((e: { node: { neuron: { layer: number; index: number }; score: number } }) => [e.node.neuron.layer, e.node.neuron.index, e.node.score]);
    const ffnDirect = direct.ffnNeurons.slice(0, 5).map((n) => [n.layer, n.neuron, n.score]);
    const worst = Math.max(...ffn.map((f: number[], i: number) => Math.abs((f[2] ?? 0) - (ffnDirect[i]?.[2] ?? 0))));
    expect(ffn.map((f: number[]) => f.slice(0, 2))).toEqual(ffnDirect.map((f) => f.slice(0, 2)));
    if (worst > 1e-9) throw new Error(`largest FFN score difference ${worst}`);
    const att = run.attentionNeurons.edges.map((e: { node: { neuron: { layer: number; head: number; index: number }; sourcePosition: number } }) =>
      [e.node.neuron.layer, e.node.neuron.head, e.node.neuron.index, e.node.sourcePosition]);
    expect(att).toEqual(direct.attentionNeurons.slice(0, 3).map((n) => [n.layer, n.head, n.dim, n.position]));
    expect(run.heads[0]).toMatchObject({ layer: direct.heads[0]?.layer, head: direct.heads[0]?.head });
  } finally {
    await model.dispose();
  }
}, 60_000);

it('pages value neurons best first with cursors; first > 100 -> BAD_USER_INPUT', async () => {
  const [a] = await promptIds(1);
  const page = `query($p: ID!, $f: Int, $after: String) { attribution(promptId: $p) { ffnNeurons(first: $f, after: $after) {
    edges { cursor node { rank score } } pageInfo { hasNextPage endCursor } } } }`;
  const p = toGlobalId('Prompt', a.id);
  const first = (await server.graphql(page, { p, f: 100 })).body.data.attribution.ffnNeurons;
  const second = (await server.graphql(page, { p, f: 100, after: first.pageInfo.endCursor })).body.data.attribution.ffnNeurons;
  const ranks = [...first.edges, ...second.edges].map((e: { node: { rank: number } }) => e.node.rank);
  expect(ranks).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  const scores = [...first.edges, ...second.edges].map((e: { node: { score: number } }) => e.node.score);
  expect(scores).toEqual([...scores].sort((x, y) => y - x));
  expect(first.pageInfo.hasNextPage).toBe(true);
  const tooMany = await server.graphql(page, { p, f: 101 });
  expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

it('a nested query over 50 neurons with projections and annotations issues a bounded number of SQL queries', async () => {
  const [a] = await promptIds(1);
  const q = `query($p: ID!) { attribution(promptId: $p) { ffnNeurons(first: 50) { edges { node { score neuron {
    id kind layer index projection(first: 5) { tokenId text logit } bottom: projection(side: BOTTOM, first: 3) { tokenId }
    annotations { id label } } } } } } }`;
  const p = toGlobalId('Prompt', a.id);
  queries.length = 0;
  const cold = await server.graphql(q, { p });
  const coldCount = queries.length;
  expect(cold.body.errors).toBeUndefined();
  queries.length = 0;
  const warm = await server.graphql(q, { p });
  const warmCount = queries.length;
  expect(warm.body).toEqual(cold.body);
  const edges = warm.body.data.attribution.ffnNeurons.edges;
  expect(edges).toHaveLength(50);
  expect(edges[0].node.neuron.projection).toHaveLength(5);
  // run lookup, prompt, model, scores page, neurons, projections (+ one insert when computed), annotations.
  if (warmCount > 8 || coldCount > 12) throw new Error(`too many SQL queries: cold ${coldCount}, warm ${warmCount}:\n${queries.join('\n')}`);
  process.stdout.write(`nested 50-neuron query: ${coldCount} SQL queries cold (projections computed), ${warmCount} warm\n`);
}, 60_000);

it('attribute(input) stores the prompt once and uses the target given as text', async () => {
  const q = `query($i: AttributeInput!) { attribute(input: $i) { id prompt { id tokenIds } target { tokenId text rank } } }`;
  const input = { model: toGlobalId('Model', modelId), text: 'The capital of France is', target: { text: ' Paris' } };
  const r1 = await server.graphql(q, { i: input });
  expect(r1.body.errors).toBeUndefined();
  const r2 = await server.graphql(q, { i: input });
  expect(r2.body.data.attribute.id).toBe(r1.body.data.attribute.id);
  expect(r1.body.data.attribute.target.text).toBe(' Paris');
  const bad = await server.graphql(q, { i: { ...input, target: { text: ' Paris is nice' } } });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.body.errors?.[0]?.message).toMatch(/exactly one token/);
}, 60_000);
