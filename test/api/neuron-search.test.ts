// Neuron search and the neuron page over real HTTP on the knowledge model, checked against
// statistics recomputed in JS from the stored scores and against the model's planted neurons.
import { toGlobalId } from '../../api/relay.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestDatabase } from '../support/test-database.js';
import type { TestServer } from '../support/test-server.js';

let api: KnowledgeApi;
let db: TestDatabase;
let server: TestServer;
let model: string;

beforeAll(async () => {
  api = await startKnowledgeApi();
  ({ db, server, modelId: model } = api);
  // Two "language" prompts about France (planted value neuron L3 N715) and one "capital" prompt.
  const prompts = await db.prisma.prompt.findMany({ where: { modelId: api.model.id }, orderBy: { id: 'asc' }, include: { knowledgeType: true } });
  const chosen = [...prompts.filter((p) => p.knowledgeType?.name === 'language').slice(0, 2), prompts.find((p) => p.knowledgeType?.name === 'capital')];
  for (const p of chosen) {
    const res = await server.graphql(`query($p: ID!) { attribution(promptId: $p) { ffnNeurons(first: 20) { edges { node { neuron { projection(first: 1) { tokenId } } } } } } }`,
      { p: toGlobalId('Prompt', p?.id ?? 0) });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  }
}, 180_000);

afterAll(async () => {
  await api?.close();
});

const SEARCH = `query($m: ID!, $f: NeuronFilter, $o: NeuronOrder, $first: Int, $after: String) {
  neurons(model: $m, filter: $f, orderBy: $o, first: $first, after: $after) {
    edges { cursor node { promptCount occurrences meanScore projectionLogit neuron { id kind layer head index } } }
    pageInfo { hasNextPage endCursor } } }`;

it('ranks neurons of a knowledge type by prompt count with the statistics the stored scores give', async () => {
  const res = await server.graphql(SEARCH, { m: model, f: { knowledgeType: 'language', kind: 'FFN' }, o: 'PROMPT_COUNT', first: 100 });
  expect(res.body.errors).toBeUndefined();
  const hits = res.body.data.neurons.edges.map((e: { node: unknown }) => e.node);
  // Recompute from the rows, independently of the SQL aggregate.
  const scores = await db.prisma.neuronScore.findMany({
    where: { role: 'VALUE', neuron: { kind: 'FFN' }, run: { prompt: { knowledgeType: { name: 'language' } } } }, include: { run: true },
  });
  const byNeuron = new Map<number, { prompts: Set<number>; sum: number; n: number }>();
  for (const s of scores) {
    const e = byNeuron.get(s.neuronId) ?? { prompts: new Set<number>(), sum: 0, n: 0 };
    e.prompts.add(s.run.promptId);
    e.sum += s.score;
    e.n++;
    byNeuron.set(s.neuronId, e);
  }
  let worst = 0;
  for (const h of hits as { promptCount: number; occurrences: number; meanScore: number; neuron: { id: string } }[]) {
    const id = Number(Buffer.from(h.neuron.id, 'base64').toString().split(':')[1]);
    const e = byNeuron.get(id);
    expect([h.promptCount, h.occurrences]).toEqual([e?.prompts.size, e?.n]);
    worst = Math.max(worst, Math.abs(h.meanScore - (e ? e.sum / e.n : NaN)));
  }
  if (!(worst < 1e-9)) throw new Error(`largest mean score difference ${worst}`);
  const counts = hits.map((h: { promptCount: number }) => h.promptCount);
  expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a));
  expect(counts[0]).toBe(2);
  // The planted France -> French value neuron is shared by both prompts.
  expect(hits.filter((h: { promptCount: number }) => h.promptCount === 2).map((h: { neuron: { layer: number; index: number } }) => [h.neuron.layer, h.neuron.index]))
    .toContainEqual([3, 715]);
}, 60_000);

it('pages with offset cursors and rejects first > 100', async () => {
  const one = await server.graphql(SEARCH, { m: model, f: { knowledgeType: 'language' }, o: 'MEAN_SCORE', first: 3 });
  const two = await server.graphql(SEARCH, { m: model, f: { knowledgeType: 'language' }, o: 'MEAN_SCORE', first: 3, after: one.body.data.neurons.pageInfo.endCursor });
  const all = await server.graphql(SEARCH, { m: model, f: { knowledgeType: 'language' }, o: 'MEAN_SCORE', first: 6 });
  const ids = (r: typeof one) => r.body.data.neurons.edges.map((e: { node: { neuron: { id: string } } }) => e.node.neuron.id);
  expect([...ids(one), ...ids(two)]).toEqual(ids(all));
  const bad = await server.graphql(SEARCH, { m: model, first: 101 });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const badOrder = await server.graphql(SEARCH, { m: model, o: 'PROMPT_COUNT' });
  expect(badOrder.body.errors?.[0]?.message).toMatch(/needs filter.knowledgeType/);
});

it('finds neurons by projected token (id or text) and by annotation label', async () => {
  const neuron = await db.prisma.neuron.findFirstOrThrow({ where: { projections: { some: {} } }, include: { projections: { where: { side: 'TOP', rank: 1 } } } });
  const top = neuron.projections[0];
  const byId = await server.graphql(SEARCH, { m: model, f: { projectsTo: { tokenId: top?.tokenId } }, o: 'PROJECTION_LOGIT', first: 100 });
  expect(byId.body.errors).toBeUndefined();
  const hits = byId.body.data.neurons.edges.map((e: { node: { projectionLogit: number; neuron: { id: string } } }) => e.node);
  expect(hits.map((h: { neuron: { id: string } }) => h.neuron.id)).toContain(toGlobalId('Neuron', neuron.id));
  const logits = hits.map((h: { projectionLogit: number }) => h.projectionLogit);
  expect(logits).toEqual([...logits].sort((a: number, b: number) => b - a));
  const byText = await server.graphql(SEARCH, { m: model, f: { projectsTo: { text: top?.token } }, o: 'PROJECTION_LOGIT', first: 100 });
  expect(byText.body.data.neurons.edges.map((e: { node: { neuron: { id: string } } }) => e.node.neuron.id)).toEqual(hits.map((h: { neuron: { id: string } }) => h.neuron.id));

  await db.prisma.annotation.create({ data: { neuronId: neuron.id, author: 'test', label: 'Mover of French' } });
  const byLabel = await server.graphql(SEARCH, { m: model, f: { label: 'mover of', annotated: true } });
  expect(byLabel.body.data.neurons.edges.map((e: { node: { neuron: { id: string } } }) => e.node.neuron.id)).toEqual([toGlobalId('Neuron', neuron.id)]);
  const notAnnotated = await server.graphql(SEARCH, { m: model, f: { annotated: false }, first: 100 });
  expect(notAnnotated.body.data.neurons.edges.map((e: { node: { neuron: { id: string } } }) => e.node.neuron.id)).not.toContain(toGlobalId('Neuron', neuron.id));
});

it('gives a neuron page: projection, statistics per knowledge type, top prompts, annotations', async () => {
  const planted = await db.prisma.neuron.findFirstOrThrow({ where: { kind: 'FFN', layer: 3, index: 715 } });
  const res = await server.graphql(`query($id: ID!) { neuron(id: $id) { layer index projection(first: 3) { text }
    statsByKnowledgeType { knowledgeType { name } promptCount typePromptCount meanScore }
    topPrompts(first: 5) { prompt { text } score rank run { id } } annotations { label } } }`, { id: toGlobalId('Neuron', planted.id) });
  expect(res.body.errors).toBeUndefined();
  const page = res.body.data.neuron;
  expect(page.statsByKnowledgeType[0]).toMatchObject({ knowledgeType: { name: 'language' }, promptCount: 2, typePromptCount: 2 });
  expect(page.topPrompts).toHaveLength(2);
  expect(page.topPrompts[0].score).toBeGreaterThanOrEqual(page.topPrompts[1].score);
  expect(page.projection.map((p: { text: string }) => p.text)).toContain(' French');
});
