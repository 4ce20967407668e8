// models, model(id), knowledgeTypes and health over real HTTP.
import { createPrisma } from '../../api/database/prisma.js';
import { EngineService } from '../../api/engine-service.js';
import { toGlobalId } from '../../api/relay.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;

const CONFIG = {
  architecture: 'gpt2', hfArchitecture: 'GPT2LMHeadModel', nLayers: 2, dModel: 16, dMlp: 64, nHeads: 2, nKvHeads: 2,
  dHead: 8, dVocab: 100, nCtx: 32, normEps: 1e-5, norm: 'layernorm', ropeTheta: null, act: 'gelu_new',
  tiedEmbeddings: true, bosTokenId: null, eosTokenId: null,
};

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.prisma, { engine: new EngineService({ memoryBytes: 64 * 1024 * 1024 }) });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

it('reports database and engine status (the EngineService\'s own, with its memory budget)', async () => {
  expect((await server.graphql('{ health { database engine } }')).body).toEqual({ data: { health: { database: 'ok', engine: 'ready (no model loaded, budget 64 MB)' } } });
});

it('lists models by name and fetches one by ID with its config', async () => {
  expect((await server.graphql('{ models { name } }')).body.data.models).toEqual([]);
  for (const name of ['zeta', 'alpha']) {
    await db.prisma.model.create({ data: { name, architecture: 'GPT2', sourcePath: `/models/${name}`, config: CONFIG, weightsChecksum: `sha-${name}` } });
  }
  const list = await server.graphql('{ models { id name } }');
  expect(list.body.data.models.map((m: { name: string }) => m.name)).toEqual(['alpha', 'zeta']);
  const alphaId = list.body.data.models[0].id;
  const one = await server.graphql(`query($id: ID!) { model(id: $id) {
    id name architecture sourcePath weightsChecksum config { architecture hfArchitecture nLayers dModel dMlp nHeads nKvHeads dHead dVocab nCtx }
  } }`, { id: alphaId });
  expect(one.body).toEqual({ data: { model: {
    id: alphaId, name: 'alpha', architecture: 'GPT2', sourcePath: '/models/alpha', weightsChecksum: 'sha-alpha',
    config: { architecture: 'GPT2', hfArchitecture: 'GPT2LMHeadModel', nLayers: 2, dModel: 16, dMlp: 64, nHeads: 2, nKvHeads: 2, dHead: 8, dVocab: 100, nCtx: 32 },
  } } });
  const node = await server.graphql(`{ node(id: "${alphaId}") { __typename id } }`);
  expect(node.body.data.node).toEqual({ __typename: 'Model', id: alphaId });
});

it('lists knowledge types with global IDs', async () => {
  const res = await server.graphql('{ knowledgeTypes { id name } }');
  const capital = await db.prisma.knowledgeType.findUniqueOrThrow({ where: { name: 'capital' } });
  expect(res.body.data.knowledgeTypes).toContainEqual({ id: toGlobalId('KnowledgeType', capital.id), name: 'capital' });
  expect(res.body.data.knowledgeTypes).toHaveLength(6);
});

it('serves a landing page at / that names the endpoint', async () => {
  const res = await fetch(new URL('/', server.url));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(await res.text()).toContain('/graphql');
});

it('reports an unreachable database in health instead of failing the query', async () => {
  // Port 1 on loopback: nothing listens there, so every connection is refused.
  const unreachable = createPrisma('postgresql://postgres@127.0.0.1:1/none');
  const down = await startTestServer(unreachable);
  try {
    const res = await down.graphql('{ health { database engine } }');
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.health.database).toMatch(/^error: /);
    expect(res.body.data.health.engine).toMatch(/^ready \(no model loaded/);
  } finally {
    await down.stop();
    await unreachable.$disconnect();
  }
});
