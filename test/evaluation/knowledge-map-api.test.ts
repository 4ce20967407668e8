// knowledgeMap / knowledgeMapPlot over real HTTP on the knowledge model: the map of stored runs
// equals aggregates computed by direct SQL over the same rows; plots validate and render.
import { XMLValidator } from 'fast-xml-parser';
import { vegaLiteSchemaErrors } from '../../api/plots/index.js';
import { toGlobalId } from '../../api/relay.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestDatabase } from '../support/test-database.js';
import type { TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;
let api: KnowledgeApi;
let modelId: number;
let model: string;
const TOP = 50;

beforeAll(async () => {
  // Compile the schema validator first: a long pause between requests lets the server close the
  // client's idle keep-alive socket under it.
  vegaLiteSchemaErrors({});
  api = await startKnowledgeApi();
  ({ db, server, modelId: model } = api);
  modelId = api.model.id;
  const prompts = await db.prisma.prompt.findMany({ where: { modelId, knowledgeType: { name: 'language' } }, orderBy: { id: 'asc' }, take: 3 });
  for (const p of prompts) {
    const res = await server.graphql('query($p: ID!) { attribution(promptId: $p) { id } }', { p: toGlobalId('Prompt', p.id) });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  }
}, 300_000);

afterAll(async () => {
  await api?.close();
});

const MAP = `query($m: ID!, $t: String!, $top: Int) { knowledgeMap(model: $m, knowledgeType: $t, top: $top) {
  knowledgeType sentences top attentionScoreSum ffnScoreSum neuronUnion shareOfUnion shareOfSentence
  layers { layer attentionNeurons ffnNeurons attentionScore ffnScore queryOnly queryAndValue }
  sharedNeurons { kind layer head index frequency } heads { layer head score } } }`;

// The runs the map reads: latest SUCCEEDED log-prob-increase run per prompt of the type.
const RUNS = `SELECT DISTINCT ON (r."promptId") r.id FROM "AttributionRun" r JOIN "Prompt" p ON p.id = r."promptId"
  JOIN "KnowledgeType" k ON k.id = p."knowledgeTypeId"
  WHERE r."modelId" = $1 AND k.name = $2 AND r.status = 'SUCCEEDED' AND r.method = 'LOG_PROB_INCREASE' ORDER BY r."promptId", r.id DESC`;

function sql<T>(query: string, ...params: unknown[]): Promise<T[]> {
  return db.prisma.$queryRawUnsafe<T[]>(query, ...params);
}

it('equals direct SQL aggregates over the stored runs', async () => {
  const res = await server.graphql(MAP, { m: model, t: 'language', top: TOP });
  expect(res.body.errors).toBeUndefined();
  const m = res.body.data.knowledgeMap;
  expect(m).toMatchObject({ knowledgeType: 'language', sentences: 3, top: TOP });

  // Layer histogram: top-TOP value neurons per run, attention and FFN ranked together by score.
  const hist = await sql<{ layer: number; kind: string; mean: number }>(`WITH runs AS (${RUNS}),
    ranked AS (SELECT n.layer, n.kind, ROW_NUMBER() OVER (PARTITION BY s."runId" ORDER BY s.score DESC) AS rn
      FROM "NeuronScore" s JOIN "Neuron" n ON n.id = s."neuronId" WHERE s."runId" IN (SELECT id FROM runs) AND s.role = 'VALUE' AND s.rank <= $3)
    SELECT layer, kind::text AS kind, COUNT(*)::float8 / (SELECT COUNT(*) FROM runs) AS mean FROM ranked WHERE rn <= $3 GROUP BY layer, kind`, modelId, 'language', TOP);
  const layerSql = await sql<{ layer: number; kind: string; mean: number }>(`WITH runs AS (${RUNS})
    SELECT layer, kind::text AS kind, AVG(score)::float8 AS mean FROM "LayerScore" WHERE "runId" IN (SELECT id FROM runs) AND role = 'VALUE' GROUP BY layer, kind`,
  modelId, 'language');
  let worst = 0;
  for (const l of m.layers as { layer: number; attentionNeurons: number; ffnNeurons: number; attentionScore: number; ffnScore: number }[]) {
    const h = (kind: string) => hist.find((x) => x.layer === l.layer && x.kind === kind)?.mean ?? 0;
    const s = (kind: string) => layerSql.find((x) => x.layer === l.layer && x.kind === kind)?.mean ?? NaN;
    worst = Math.max(worst, Math.abs(l.attentionNeurons - h('ATTENTION')), Math.abs(l.ffnNeurons - h('FFN')),
      Math.abs(l.attentionScore - s('ATTENTION')), Math.abs(l.ffnScore - s('FFN')));
  }
  const sums = await sql<{ kind: string; total: number }>(`WITH runs AS (${RUNS})
    SELECT kind::text AS kind, SUM(score)::float8 / (SELECT COUNT(*) FROM runs) AS total FROM "LayerScore" WHERE "runId" IN (SELECT id FROM runs) AND role = 'VALUE' GROUP BY kind`,
  modelId, 'language');
  worst = Math.max(worst, Math.abs(m.attentionScoreSum - sums.find((x) => x.kind === 'ATTENTION')!.total), Math.abs(m.ffnScoreSum - sums.find((x) => x.kind === 'FFN')!.total));

  // Heads: mean score over runs, summed over source positions (rows with sourcePosition null).
  const heads = await sql<{ layer: number; head: number; mean: number }>(`WITH runs AS (${RUNS})
    SELECT layer, head, AVG(score)::float8 AS mean FROM "HeadScore" WHERE "runId" IN (SELECT id FROM runs) AND role = 'VALUE' AND "sourcePosition" IS NULL
    GROUP BY layer, head ORDER BY mean DESC`, modelId, 'language');
  expect(m.heads.map((h: { layer: number; head: number }) => [h.layer, h.head])).toEqual(heads.map((h) => [h.layer, h.head]));
  for (const [i, h] of heads.entries()) worst = Math.max(worst, Math.abs(m.heads[i].score - h.mean));
  if (!(worst < 1e-9)) throw new Error(`largest difference from SQL ${worst}`);

  // Shared neurons: distinct (kind, layer, head, index) among the top-TOP merged, in more than half of the runs.
  const shared = await sql<{ kind: string; layer: number; head: number; index: number; runs: number }>(`WITH runs AS (${RUNS}),
    ranked AS (SELECT s."runId", n.id AS neuron, ROW_NUMBER() OVER (PARTITION BY s."runId" ORDER BY s.score DESC) AS rn
      FROM "NeuronScore" s JOIN "Neuron" n ON n.id = s."neuronId" WHERE s."runId" IN (SELECT id FROM runs) AND s.role = 'VALUE' AND s.rank <= $3),
    per AS (SELECT DISTINCT "runId", neuron FROM ranked WHERE rn <= $3)
    SELECT n.kind::text AS kind, n.layer, n.head, n.index, COUNT(*)::int AS runs FROM per JOIN "Neuron" n ON n.id = per.neuron GROUP BY n.id`,
  modelId, 'language', TOP);
  const key = (n: { kind: string; layer: number; head: number | null; index: number }) => `${n.kind}.${n.layer}.${n.kind === 'FFN' ? -1 : n.head}.${n.index}`;
  expect(m.neuronUnion).toBe(shared.length);
  const over = shared.filter((x) => x.runs > 3 / 2);
  expect(new Set(m.sharedNeurons.map(key))).toEqual(new Set(over.map(key)));
  expect(m.shareOfUnion).toBeCloseTo(over.length / shared.length, 12);
});

it('returns null without stored runs, NOT_FOUND for an unknown type, BAD_USER_INPUT for top out of range', async () => {
  const none = await server.graphql(MAP, { m: model, t: 'month', top: TOP });
  expect(none.body.errors).toBeUndefined();
  expect(none.body.data.knowledgeMap).toBeNull();
  const unknown = await server.graphql(MAP, { m: model, t: 'no-such-type' });
  expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const bad = await server.graphql(MAP, { m: model, t: 'language', top: 301 });
  expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.body.errors?.[0]?.message).toMatch(/top must be in \[1, 300\]: got 301/);
});

it.each(['LAYER_HISTOGRAM', 'LAYER_SCORES', 'HEAD_HEATMAP'])('knowledgeMapPlot %s: a valid Vega-Lite spec and its SVG', async (kind) => {
  const res = await server.graphql(`query($m: ID!, $k: KnowledgeMapPlotKind!) { knowledgeMapPlot(model: $m, knowledgeType: "language", kind: $k, top: ${TOP}) { vegaLite svg } }`,
    { m: model, k: kind });
  expect(res.body.errors).toBeUndefined();
  const { vegaLite, svg } = res.body.data.knowledgeMapPlot as { vegaLite: string; svg: string };
  expect(vegaLiteSchemaErrors(JSON.parse(vegaLite))).toEqual([]);
  expect(XMLValidator.validate(svg)).toBe(true);
  expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
}, 60_000);

describe('plots by URL', () => {
  const get = (pathAndQuery: string) => fetch(new URL(pathAndQuery, server.url));

  it.each(['layer-histogram', 'layer-scores', 'head-heatmap'])('%s as SVG and as the Vega-Lite spec GraphQL returns', async (kind) => {
    const query = `model=${encodeURIComponent(model)}&knowledgeType=language&top=${TOP}`;
    const svg = await get(`/plots/knowledge-map/${kind}.svg?${query}`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const text = await svg.text();
    expect(XMLValidator.validate(text)).toBe(true);
    expect(text).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const spec = await get(`/plots/knowledge-map/${kind}.json?${query}`);
    expect(spec.status).toBe(200);
    const body = await spec.json();
    expect(vegaLiteSchemaErrors(body)).toEqual([]);
    const gql = await server.graphql(`query($m: ID!, $k: KnowledgeMapPlotKind!) { knowledgeMapPlot(model: $m, knowledgeType: "language", kind: $k, top: ${TOP}) { vegaLite } }`,
      { m: model, k: kind.toUpperCase().replace('-', '_') });
    expect(body).toEqual(JSON.parse(gql.body.data.knowledgeMapPlot.vegaLite));
  }, 60_000);

  it.each([
    ['an unknown plot', '/plots/knowledge-map/pie-chart.svg?model=M&knowledgeType=language', 404, 'NOT_FOUND'],
    ['a missing model', '/plots/knowledge-map/layer-scores.svg?knowledgeType=language', 400, 'BAD_USER_INPUT'],
    ['a malformed model ID', '/plots/knowledge-map/layer-scores.svg?model=nope&knowledgeType=language', 400, 'BAD_USER_INPUT'],
    ['a top out of range', '/plots/knowledge-map/layer-scores.svg?model=MODEL&knowledgeType=language&top=301', 400, 'BAD_USER_INPUT'],
    ['an unknown knowledge type', '/plots/knowledge-map/layer-scores.svg?model=MODEL&knowledgeType=astrology', 404, 'NOT_FOUND'],
    ['a type without stored runs', '/plots/knowledge-map/layer-scores.svg?model=MODEL&knowledgeType=month', 404, 'NOT_FOUND'],
  ])('EXPECTED FAILURE: %s', async (_what, url, status, code) => {
    const res = await get(url.replace('MODEL', encodeURIComponent(model)));
    expect(res.status).toBe(status);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe(code);
  });
});
