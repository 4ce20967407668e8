// The error contract over real HTTP: each failure kind gets its extensions.code and Apollo's HTTP
// status, and the server keeps serving afterwards.
import { toGlobalId } from '../../api/relay.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.prisma, { bodyLimitBytes: 4096 });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const PROMPTS = 'query($first: Int, $after: String) { prompts(first: $first, after: $after) { edges { cursor } } }';

describe('EXPECTED FAILURE: GraphQL errors', () => {
  it.each([
    ['wrong argument type (literal)', '{ prompts(first: "ten") { edges { cursor } } }', undefined, 400, 'GRAPHQL_VALIDATION_FAILED', /Int cannot represent/],
    ['wrong argument type (variable)', PROMPTS, { first: 'ten' }, 400, 'BAD_USER_INPUT', /Variable "\$first" got invalid value "ten"/],
    ['syntax error', '{ prompts(first: ', undefined, 400, 'GRAPHQL_PARSE_FAILED', /Syntax Error/],
    ['unknown field', '{ nope }', undefined, 400, 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "nope"/],
    ['unknown model id', `{ model(id: "${toGlobalId('Model', 999)}") { name } }`, undefined, 200, 'NOT_FOUND', /Model .* not found/],
    ['unknown node id', `{ node(id: "${toGlobalId('Prompt', 12345)}") { id } }`, undefined, 200, 'NOT_FOUND', /Prompt .* not found/],
    ['malformed id', '{ model(id: "not-an-id") { name } }', undefined, 200, 'BAD_USER_INPUT', /id is not a valid global ID: got "not-an-id"/],
    ['id of another type', `{ model(id: "${toGlobalId('Prompt', 1)}") { name } }`, undefined, 200, 'BAD_USER_INPUT', /must be a Model ID: got a Prompt ID/],
    ['malformed cursor', PROMPTS, { after: 'garbage' }, 200, 'BAD_USER_INPUT', /after is not a valid cursor: got "garbage"/],
    ['cursor made of an ID', PROMPTS, { after: toGlobalId('Prompt', 1) }, 200, 'BAD_USER_INPUT', /after is not a valid cursor/],
    ['first above the maximum', PROMPTS, { first: 101 }, 200, 'BAD_USER_INPUT', /first must be in \[0, 100\]: got 101/],
    ['negative first', PROMPTS, { first: -1 }, 200, 'BAD_USER_INPUT', /first must be in \[0, 100\]: got -1/],
  ])('%s', async (_label, query, variables, status, code, message) => {
    const res = await server.graphql(query, variables);
    expect(res.status).toBe(status);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    const health = await server.graphql('{ health { database engine workers } }');
    expect(health).toEqual({ status: 200, body: { data: { health: { database: 'ok', engine: 'ready (no model loaded, budget 1024 MB)', workers: null } } } });
  });

  it('rejects malformed JSON with 400 BAD_USER_INPUT', async () => {
    const res = await server.post('{"query": ');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a body over the limit with 413 and keeps serving', async () => {
    const res = await server.graphql('{ health { database } }', { padding: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'entity.too.large' });
    expect((await server.graphql('{ health { database } }')).body.data.health.database).toBe('ok');
  });

  it('masks an unexpected error as INTERNAL_SERVER_ERROR and logs it', async () => {
    // A model row whose stored config lacks the fields ModelConfig declares non-null: an
    // internal inconsistency, not the caller's fault.
    const model = await db.prisma.model.create({
      data: { name: 'broken', architecture: 'GPT2', sourcePath: '/nowhere', config: {}, weightsChecksum: 'x' },
    });
    const res = await server.graphql(`{ model(id: "${toGlobalId('Model', model.id)}") { name config { nLayers } } }`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ]);
    expect(server.logged.some((line) => line.includes('model.config.nLayers') && line.includes('non-nullable'))).toBe(true);
    expect((await server.graphql('{ health { database } }')).body.data.health.database).toBe('ok');
  });
});
