// Query.intervention over real HTTP on the knowledge model: ablating a run's best value neurons
// (and stored neurons by id) against the engine's own intervene() on the same coordinates, the
// seeded random control, and every bad input by kind.
import { toGlobalId } from '../../api/relay.js';
import { intervene, loadModel, type LoadedModel } from '../../engine/index.js';
import { expectClose } from '../engine/helpers.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestDatabase } from '../support/test-database.js';
import type { TestServer } from '../support/test-server.js';

let api: KnowledgeApi;
let db: TestDatabase;
let server: TestServer;
let model: LoadedModel;
let promptId: string;
let promptTokens: number[];
let runId: string;
interface Coordinates { kind: 'FFN' | 'ATTENTION'; layer: number; head: number | null; index: number }

beforeAll(async () => {
  api = await startKnowledgeApi();
  ({ db, server } = api);
  model = await loadModel(api.model.sourcePath);
  const prompt = await db.prisma.prompt.findFirstOrThrow({ where: { modelId: api.model.id, knowledgeType: { name: 'language' } }, orderBy: { id: 'asc' } });
  promptId = toGlobalId('Prompt', prompt.id);
  promptTokens = prompt.tokenIds;
  const run = await server.graphql('query($p: ID!) { attribution(promptId: $p) { id status } }', { p: promptId });
  if (run.body.errors) throw new Error(JSON.stringify(run.body.errors));
  runId = run.body.data.attribution.id;
}, 180_000);

afterAll(async () => {
  await model?.dispose();
  await api?.close();
});

const INTERVENTION = `query($p: ID!, $a: AblationInput!, $c: Boolean, $s: Int, $t: AttributionTargetInput) {
  intervention(promptId: $p, ablate: $a, control: $c, controlSeed: $s, target: $t) {
    target { tokenId text prob logProb rank } after { prob logProb rank } logProbChange
    control { prob logProb rank } controlNeurons { kind layer head index }
    neurons { id kind layer head index } } }`;

/** The engine's intervene() on coordinates as the API returns them (attention index = dim). */
async function direct(target: number, neurons: readonly Coordinates[]) {
  return intervene(model, promptTokens, target, {
    ffn: neurons.filter((n) => n.kind === 'FFN').map((n) => ({ layer: n.layer, neuron: n.index })),
    attention: neurons.filter((n) => n.kind === 'ATTENTION').map((n) => ({ layer: n.layer, head: n.head ?? -1, dim: n.index })),
  });
}

it('zeroing a run\'s top 10 FFN and top 3 attention value neurons collapses the fact; the random control does not; numbers equal intervene()', async () => {
  const res = await server.graphql(INTERVENTION, { p: promptId, a: { run: runId, topFfn: 10, topAttention: 3 } });
  expect(res.body.errors).toBeUndefined();
  const r = res.body.data.intervention;
  expect(r.neurons.filter((n: Coordinates) => n.kind === 'FFN')).toHaveLength(10);
  expect(r.neurons.filter((n: Coordinates) => n.kind === 'ATTENTION')).toHaveLength(3);
  // The neurons are the run's: FFN ranks 1..10 in order.
  const ranked = await server.graphql(`query($p: ID!) { attribution(promptId: $p) { ffnNeurons(first: 10) { edges { node { neuron { id } } } } } }`, { p: promptId });
  expect(r.neurons.slice(0, 10).map((n: { id: string }) => n.id)).toEqual(ranked.body.data.attribution.ffnNeurons.edges.map((e: { node: { neuron: { id: string } } }) => e.node.neuron.id));

  const want = await direct(r.target.tokenId, r.neurons);
  expectClose([r.target.prob, r.target.logProb, r.after.prob, r.after.logProb, r.logProbChange],
    [want.before.prob, want.before.logProb, want.after.prob, want.after.logProb, want.after.logProb - want.before.logProb], 1e-9, 'API vs intervene()');
  expect([r.target.rank, r.after.rank]).toEqual([want.before.rank, want.after.rank]);
  expect(r.target.rank).toBe(1);
  expect(r.after.prob).toBeLessThan(r.target.prob / 10);

  // The control: as many random neurons of each kind, whose outcome intervene() reproduces.
  expect(r.controlNeurons.filter((n: Coordinates) => n.kind === 'FFN')).toHaveLength(10);
  expect(r.controlNeurons.filter((n: Coordinates) => n.kind === 'ATTENTION')).toHaveLength(3);
  const control = await direct(r.target.tokenId, r.controlNeurons);
  expectClose([r.control.prob, r.control.logProb], [control.after.prob, control.after.logProb], 1e-9, 'control vs intervene()');
  expect(r.control.prob).toBeGreaterThan(r.after.prob);
  process.stdout.write(`intervention: target ${JSON.stringify(r.target.text)} p ${r.target.prob.toFixed(4)} -> ${r.after.prob.toExponential(2)} (random control ${r.control.prob.toFixed(4)})\n`);
}, 60_000);

it('ablates stored neurons by id, for a given target, without a control', async () => {
  const top = await server.graphql(`query($p: ID!) { attribution(promptId: $p) { ffnNeurons(first: 1) { edges { node { neuron { id kind layer head index } } } } } }`, { p: promptId });
  const neuron = top.body.data.attribution.ffnNeurons.edges[0].node.neuron;
  const res = await server.graphql(INTERVENTION, { p: promptId, a: { neurons: [neuron.id, neuron.id] }, c: false, t: { tokenId: 7 } });
  expect(res.body.errors).toBeUndefined();
  const r = res.body.data.intervention;
  expect(r.target.tokenId).toBe(7);
  expect(r.neurons).toEqual([neuron]);
  expect(r.control).toBeNull();
  expect(r.controlNeurons).toEqual([]);
  const want = await direct(7, [neuron]);
  expectClose([r.target.logProb, r.after.logProb], [want.before.logProb, want.after.logProb], 1e-9, 'target 7 vs intervene()');
});

it('the control is reproducible for a seed and changes with it', async () => {
  const vars = (s: number) => ({ p: promptId, a: { run: runId, topFfn: 5 }, s });
  const [a, b, c] = await Promise.all([server.graphql(INTERVENTION, vars(3)), server.graphql(INTERVENTION, vars(3)), server.graphql(INTERVENTION, vars(4))]);
  expect(a.body.data.intervention.controlNeurons).toEqual(b.body.data.intervention.controlNeurons);
  expect(a.body.data.intervention.control).toEqual(b.body.data.intervention.control);
  expect(c.body.data.intervention.controlNeurons).not.toEqual(a.body.data.intervention.controlNeurons);
});

describe('bad input', () => {
  let otherNeuron: string;
  let otherRun: string;
  let pendingRun: string;
  beforeAll(async () => {
    const other = await db.prisma.model.create({ data: { name: 'other', architecture: 'GPT2', sourcePath: '/nowhere', config: {}, weightsChecksum: 'x' } });
    otherNeuron = toGlobalId('Neuron', (await db.prisma.neuron.create({ data: { modelId: other.id, kind: 'FFN', layer: 0, head: -1, index: 1 } })).id);
    const otherPrompt = await db.prisma.prompt.create({ data: { modelId: other.id, tokenIds: [1, 2], tokens: [] } });
    otherRun = toGlobalId('AttributionRun', (await db.prisma.attributionRun.create({
      data: { modelId: other.id, promptId: otherPrompt.id, targetTokenId: 1, method: 'LOG_PROB_INCREASE', engineVersion: 'x', status: 'SUCCEEDED' },
    })).id);
    const mine = await db.prisma.attributionRun.findFirstOrThrow({ where: { status: 'SUCCEEDED' }, orderBy: { id: 'asc' } });
    pendingRun = toGlobalId('AttributionRun', (await db.prisma.attributionRun.create({
      data: { modelId: mine.modelId, promptId: mine.promptId, targetTokenId: 3, method: 'LOG_PROB_INCREASE', engineVersion: 'x', status: 'PENDING' },
    })).id);
  });

  const CASES: [string, () => Record<string, unknown>, string, RegExp][] = [
    ['nothing to ablate', () => ({ p: promptId, a: {} }), 'BAD_USER_INPUT', /nothing to ablate/],
    ['topFfn without a run', () => ({ p: promptId, a: { topFfn: 3 } }), 'BAD_USER_INPUT', /give ablate\.run/],
    ['topFfn above 300', () => ({ p: promptId, a: { run: runId, topFfn: 301 } }), 'BAD_USER_INPUT', /ablate\.topFfn must be in \[0, 300\]: got 301/],
    ['negative topAttention', () => ({ p: promptId, a: { run: runId, topAttention: -1 } }), 'BAD_USER_INPUT', /ablate\.topAttention must be in \[0, 300\]/],
    ['a neuron of another model', () => ({ p: promptId, a: { neurons: [otherNeuron] } }), 'BAD_USER_INPUT', /belongs to another model/],
    ['a run of another model', () => ({ p: promptId, a: { run: otherRun, topFfn: 1 } }), 'BAD_USER_INPUT', /of another model/],
    ['a run that has not succeeded', () => ({ p: promptId, a: { run: pendingRun, topFfn: 1 } }), 'BAD_USER_INPUT', /is PENDING/],
    ['an unknown neuron', () => ({ p: promptId, a: { neurons: [toGlobalId('Neuron', 999_999_999)] } }), 'NOT_FOUND', /Neuron .* not found/],
    ['an unknown prompt', () => ({ p: toGlobalId('Prompt', 999_999_999), a: { run: runId, topFfn: 1 } }), 'NOT_FOUND', /Prompt .* not found/],
    ['a target id out of range', () => ({ p: promptId, a: { run: runId, topFfn: 1 }, t: { tokenId: 10_000_000 } }), 'BAD_USER_INPUT', /target token id must be an integer in \[0, 50257\): got 10000000/],
    ['a target text of two tokens', () => ({ p: promptId, a: { run: runId, topFfn: 1 }, t: { text: ' French people' } }), 'BAD_USER_INPUT', /token/],
  ];
  it.each(CASES)('EXPECTED FAILURE: %s', async (_label, vars, code, message) => {
    const before = await db.prisma.neuron.count();
    const res = await server.graphql(INTERVENTION, vars());
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code }, message: expect.stringMatching(message) });
    expect(await db.prisma.neuron.count()).toBe(before);
  });
});
