// Limits checked before anything runs, over real HTTP: query depth, estimated complexity (page
// sizes and aliases multiply), page size, HTTP batching, batch-job size (ATLAS_MAX_BATCH_SIZE).
// (The body limit: graphql-errors.test.ts.)
import { getIntrospectionQuery } from 'graphql';
import { createApiKey } from '../../api/auth/api-keys.js';
import { JobQueue } from '../../api/jobs.js';
import { toGlobalId } from '../../api/relay.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { quietLogger as quiet } from '../support/quiet-logger.js';

let db: TestDatabase;
let server: TestServer;
const queries: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ onQuery: (sql) => queries.push(sql) });
  server = await startTestServer(db.prisma);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** `{ annotation(id) { neuron { annotations { neuron { ... } } } } }` with `depth` levels of fields. */
function deepQuery(depth: number): string {
  let inner = 'id';
  for (let level = depth - 1; level >= 2; level--) inner = level % 2 === 0 ? `neuron { ${inner} }` : `annotations { ${inner} }`;
  return `{ annotation(id: "QW5ub3RhdGlvbjox") { ${inner} } }`;
}

describe('query depth', () => {
  it('EXPECTED FAILURE: a depth-20 query is rejected before execution with a typed error', async () => {
    queries.length = 0;
    const res = await server.graphql(deepQuery(20));
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'query depth 20 exceeds the limit of 12: flatten the query or split it',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', reason: 'QUERY_TOO_DEEP', depth: 20, maxDepth: 12 },
    });
    expect(queries.filter((sql) => /annotation/i.test(sql))).toEqual([]);
  });

  it('counts fields inside fragments', async () => {
    const res = await server.graphql(`query { ...Deep } fragment Deep on Query { ${deepQuery(14).slice(2, -2)} }`);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ reason: 'QUERY_TOO_DEEP', depth: 14 });
  });

  it('lets a query at the limit run (here: NOT_FOUND from the resolver)', async () => {
    // Five nested annotation lists also cost 10^5 (see complexity below): lift that limit here.
    const deepOnly = await startTestServer(db.prisma, { queryLimits: { maxDepth: 12, maxComplexity: 1e9 } });
    try {
      expect((await deepOnly.graphql(deepQuery(12))).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await deepOnly.graphql(deepQuery(13))).body.errors?.[0]?.extensions).toMatchObject({ reason: 'QUERY_TOO_DEEP', depth: 13 });
    } finally {
      await deepOnly.stop();
    }
  });

  it('does not count introspection (the explorer and codegen tools use it)', async () => {
    const res = await server.graphql(getIntrospectionQuery());
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });
});

describe('query complexity', () => {
  it.each([
    // 1 (prompts) + 10 (first) x [1 (edges) + 1 x (1 (node) + 1 (id))] = 31
    [30, false],
    [31, true],
  ])('prompts(first: 10) { edges { node { id } } } costs 31: limit %i -> accepted %s', async (maxComplexity, accepted) => {
    const limited = await startTestServer(db.prisma, { queryLimits: { maxDepth: 12, maxComplexity } });
    try {
      const res = await limited.graphql('{ prompts(first: 10) { edges { node { id } } } }');
      if (accepted) {
        expect(res.body.errors).toBeUndefined();
      } else {
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'QUERY_TOO_COMPLEX', complexity: 31, maxComplexity: 30 });
      }
    } finally {
      await limited.stop();
    }
  });

  it('EXPECTED FAILURE: 170 aliased pages of 100 prompts (cost 170 x 301 = 51170) exceed the default 50000', async () => {
    const aliases = Array.from({ length: 170 }, (_, i) => `p${i}: prompts(first: 100) { edges { node { id } } }`);
    const res = await server.graphql(`{ ${aliases.join(' ')} }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'QUERY_TOO_COMPLEX', complexity: 51170, maxComplexity: 50000 });
    expect(res.body.errors?.[0]?.message).toMatch(/query complexity 51170 exceeds the limit of 50000/);
  });

  it('EXPECTED FAILURE: a page size given as a variable counts as the largest page (100); nested lists multiply', async () => {
    const query = 'query($n: Int) { a: prompts(first: $n) { edges { node { model { id } } } } apiKeys { id } }';
    const tight = await startTestServer(db.prisma, { queryLimits: { maxDepth: 12, maxComplexity: 500 } });
    try {
      // prompts: 1 + 100 x (1 + (1 + (1 + 1))) = 401; apiKeys (a list): 1 + 10 x 1 = 11; total 412.
      const ok = await tight.graphql(query, { n: 5 });
      expect(ok.body.errors?.[0]?.extensions?.reason).not.toBe('QUERY_TOO_COMPLEX');
      const over = await tight.graphql(query.replace('apiKeys { id }', 'apiKeys { id name role prefix createdAt lastUsedAt revokedAt name2: name name3: name name4: name }'), { n: 5 });
      // apiKeys now 1 + 10 x 10 = 101: total 502 > 500.
      expect(over.body.errors?.[0]?.extensions).toMatchObject({ reason: 'QUERY_TOO_COMPLEX', complexity: 502 });
    } finally {
      await tight.stop();
    }
  });
});

describe('page size and batching', () => {
  it('EXPECTED FAILURE: first over 100 is BAD_USER_INPUT naming the range', async () => {
    const res = await server.graphql('{ prompts(first: 101) { edges { node { id } } } }');
    expect(res.body.errors?.[0]).toMatchObject({ message: 'first must be in [0, 100]: got 101', extensions: { code: 'BAD_USER_INPUT', argumentName: 'first' } });
  });

  it('EXPECTED FAILURE: an HTTP batch (JSON array of operations) is refused with a code', async () => {
    const res = await server.post(JSON.stringify([{ query: '{ health { database } }' }, { query: '{ health { engine } }' }]));
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});

describe('batch size', () => {
  
  it('EXPECTED FAILURE: attributeBatch over the configured maxBatchSize is BAD_USER_INPUT; at the limit it is queued', async () => {
    const jobs = await JobQueue.start(db.prisma, { url: db.url, expireSeconds: 30, retryLimit: 0, log: quiet });
    const limited = await startTestServer(db.prisma, { jobs, maxBatchSize: 2 });
    try {
      const model = await db.prisma.model.create({ data: { name: 'batch-model', architecture: 'GPT2', sourcePath: '/m/b', config: {}, weightsChecksum: 'x' } });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(toGlobalId('Prompt', (await db.prisma.prompt.create({ data: { text: `batch ${i}`, modelId: model.id } })).id));
      const auth = { authorization: `Bearer ${(await createApiKey(db.prisma, 'batcher', 'ANNOTATOR')).key}` };
      const BATCH = 'mutation($input: BatchAttributionInput!) { attributeBatch(input: $input) { id } }';
      const over = await limited.graphql(BATCH, { input: { model: toGlobalId('Model', model.id), promptIds: ids } }, auth);
      expect(over.body.errors?.[0]).toMatchObject({ message: 'input.promptIds must have 1 to 2 ids: got 3', extensions: { code: 'BAD_USER_INPUT' } });
      const byType = await db.prisma.knowledgeType.findUniqueOrThrow({ where: { name: 'capital' } });
      await db.prisma.prompt.updateMany({ where: { modelId: model.id }, data: { knowledgeTypeId: byType.id } });
      const overType = await limited.graphql(BATCH, { input: { model: toGlobalId('Model', model.id), knowledgeType: 'capital' } }, auth);
      expect(overType.body.errors?.[0]?.message).toBe('at most 2 prompts per batch: the type has 3');
      const ok = await limited.graphql(BATCH, { input: { model: toGlobalId('Model', model.id), promptIds: ids.slice(0, 2) } }, auth);
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data.attributeBatch.id).toEqual(expect.any(String));
    } finally {
      await limited.stop();
      await jobs.stop();
    }
  }, 60_000);
});
