// prompts (Relay connection) and createPrompt over real HTTP against a private database.
import { toGlobalId } from '../../api/relay.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;
const queries: string[] = [];
let modelId: string;
let capitalId: string;

beforeAll(async () => {
  db = await createTestDatabase({ onQuery: (sql) => queries.push(sql) });
  server = await startTestServer(db.prisma);
  const model = await db.prisma.model.create({
    data: { name: 'tiny-llama', architecture: 'LLAMA', sourcePath: '/models/tiny', config: { dVocab: 512 }, weightsChecksum: 'abc' },
  });
  modelId = toGlobalId('Model', model.id);
  capitalId = toGlobalId('KnowledgeType', (await db.prisma.knowledgeType.findUniqueOrThrow({ where: { name: 'capital' } })).id);
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const CREATE = `mutation($input: CreatePromptInput!) {
  createPrompt(input: $input) { id text tokenIds tokens expectedAnswer knowledgeType { id name } model { id name } createdAt }
}`;

const PAGE = `query($first: Int, $after: String, $filter: PromptFilter) {
  prompts(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id text knowledgeType { name } model { name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('createPrompt', () => {
  it('starts from an empty prompt table (each test file has its own database)', async () => {
    expect(await db.prisma.prompt.count()).toBe(0);
  });

  it('stores text with a knowledge type by name and returns it with its relations', async () => {
    const res = await server.graphql(CREATE, { input: { text: 'The capital of France is', knowledgeType: 'capital', expectedAnswer: ' Paris' } });
    expect(res.body.errors).toBeUndefined();
    const prompt = res.body.data.createPrompt;
    expect(prompt).toMatchObject({
      text: 'The capital of France is', tokenIds: [], tokens: [], expectedAnswer: ' Paris', knowledgeType: { id: capitalId, name: 'capital' }, model: null,
    });
    expect(Number.isNaN(Date.parse(prompt.createdAt))).toBe(false);
    const node = await server.graphql(`{ node(id: "${prompt.id}") { id ... on Prompt { text } } }`);
    expect(node.body.data.node).toEqual({ id: prompt.id, text: 'The capital of France is' });
  });

  it('stores token ids for a model and creates a new knowledge type', async () => {
    const res = await server.graphql(CREATE, { input: { tokenIds: [1, 511, 0], modelId, knowledgeType: 'planet' } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.createPrompt).toMatchObject({ text: null, tokenIds: [1, 511, 0], model: { id: modelId, name: 'tiny-llama' }, knowledgeType: { name: 'planet' } });
  });

  it.each([
    ['neither text nor tokenIds', { expectedAnswer: 'x' }, 'BAD_USER_INPUT', /needs text, tokenIds or both/],
    ['empty text', { text: '' }, 'BAD_USER_INPUT', /input.text must have 1 to 4096 characters: got 0/],
    ['text too long', { text: 'a'.repeat(4097) }, 'BAD_USER_INPUT', /input.text must have 1 to 4096 characters: got 4097/],
    ['tokenIds without a model', { tokenIds: [1] }, 'BAD_USER_INPUT', /input.modelId is required with tokenIds/],
    ['empty tokenIds', { tokenIds: [], modelId: 'MODEL' }, 'BAD_USER_INPUT', /input.tokenIds must have 1 to 2048 ids: got 0/],
    ['token id past the vocabulary', { tokenIds: [3, 512], modelId: 'MODEL' }, 'BAD_USER_INPUT', /input.tokenIds\[1\] must be in \[0, 512\) for model tiny-llama: got 512/],
    ['negative token id', { tokenIds: [-1], modelId: 'MODEL' }, 'BAD_USER_INPUT', /input.tokenIds\[0\] must be in \[0, 512\).*got -1/],
    ['unknown model', { text: 'x', modelId: toGlobalId('Model', 9999) }, 'NOT_FOUND', /Model .* not found/],
    ['malformed model id', { text: 'x', modelId: 'zzz' }, 'BAD_USER_INPUT', /input.modelId is not a valid global ID/],
    ['unknown knowledge type id', { text: 'x', knowledgeTypeId: toGlobalId('KnowledgeType', 9999) }, 'NOT_FOUND', /KnowledgeType .* not found/],
    ['both knowledge type forms', { text: 'x', knowledgeType: 'capital', knowledgeTypeId: 'KT' }, 'BAD_USER_INPUT', /not both/],
    ['blank knowledge type', { text: 'x', knowledgeType: '   ' }, 'BAD_USER_INPUT', /input.knowledgeType must have 1 to 64 characters: got 0/],
  ])('EXPECTED FAILURE: %s', async (_label, rawInput, code, message) => {
    const input = Object.fromEntries(Object.entries(rawInput).map(([k, v]) => [k, v === 'MODEL' ? modelId : v === 'KT' ? capitalId : v]));
    const before = await db.prisma.prompt.count();
    const res = await server.graphql(CREATE, { input });
    expect(res.status).toBe(200);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(await db.prisma.prompt.count()).toBe(before);
  });

  it('writes nothing when a check after the knowledge-type insert fails (one transaction)', async () => {
    const res = await server.graphql(CREATE, { input: { tokenIds: [600], modelId, knowledgeType: 'never-kept' } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await db.prisma.knowledgeType.findUnique({ where: { name: 'never-kept' } })).toBeNull();
    const ok = await server.graphql(CREATE, { input: { tokenIds: [5], modelId, knowledgeType: 'kept' } });
    expect(ok.body.errors).toBeUndefined();
    expect(await db.prisma.knowledgeType.findUnique({ where: { name: 'kept' } })).not.toBeNull();
  });
});

describe('prompts', () => {
  let countryId: number;

  beforeAll(async () => {
    await db.prisma.prompt.deleteMany();
    countryId = (await db.prisma.knowledgeType.findUniqueOrThrow({ where: { name: 'country' } })).id;
    for (let i = 0; i < 25; i++) {
      await db.prisma.prompt.create({ data: { text: `Prompt number ${i}`, knowledgeTypeId: i % 5 === 0 ? countryId : null } });
    }
  });

  it('pages through every prompt in creation order with opaque cursors', async () => {
    const seen: string[] = [];
    const pages: boolean[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const res = await server.graphql(PAGE, { first: 10, after });
      expect(res.body.errors).toBeUndefined();
      const { edges, pageInfo } = res.body.data.prompts;
      seen.push(...edges.map((e: { node: { text: string } }) => e.node.text));
      pages.push(pageInfo.hasNextPage);
      expect(pageInfo.hasPreviousPage).toBe(after !== null);
      expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `Prompt number ${i}`));
  });

  it('returns 20 by default and reports a next page even for first: 0', async () => {
    expect((await server.graphql(PAGE, {})).body.data.prompts.edges).toHaveLength(20);
    const none = (await server.graphql(PAGE, { first: 0 })).body.data.prompts;
    expect(none.edges).toEqual([]);
    expect(none.pageInfo.hasNextPage).toBe(true);
  });

  it('filters by knowledge type and by text', async () => {
    const byType = await server.graphql(PAGE, { filter: { knowledgeTypeId: toGlobalId('KnowledgeType', countryId) } });
    expect(byType.body.data.prompts.edges.map((e: { node: { text: string } }) => e.node.text))
      .toEqual(['Prompt number 0', 'Prompt number 5', 'Prompt number 10', 'Prompt number 15', 'Prompt number 20']);
    const byText = await server.graphql(PAGE, { filter: { textContains: 'NUMBER 2' } });
    expect(byText.body.data.prompts.edges).toHaveLength(6); // 2, 20..24
  });

  it('loads relations of a page with one query per relation (DataLoader)', async () => {
    queries.length = 0;
    const res = await server.graphql(PAGE, { first: 25 });
    expect(res.body.errors).toBeUndefined();
    const knowledgeTypeQueries = queries.filter((sql) => sql.includes('"KnowledgeType"'));
    // 25 prompts, 5 with a knowledge type: one batched query, not five; no model query (no prompt has one).
    expect(knowledgeTypeQueries).toHaveLength(1);
    expect(queries.filter((sql) => sql.includes('FROM "public"."Model"'))).toHaveLength(0);
    expect(queries).toHaveLength(2);
  });
});
