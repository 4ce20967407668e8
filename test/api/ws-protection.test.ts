// Operations over graphql-ws meet the same rules as over HTTP: depth and complexity limits, keys
// from connectionParams (browsers cannot set WebSocket headers), and ATLAS_REQUIRE_KEY_FOR_READS.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey } from '../../api/auth/api-keys.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let db: TestDatabase;
let open: TestServer;
let closed: TestServer;
let readerKey: string;

beforeAll(async () => {
  db = await createTestDatabase();
  open = await startTestServer(db.prisma);
  closed = await startTestServer(db.prisma, { requireKeyForReads: true });
  readerKey = (await createApiKey(db.prisma, 'reader', 'READER')).key;
});

afterAll(async () => {
  await open?.stop();
  await closed?.stop();
  await db?.drop();
});

interface Outcome {
  readonly data?: unknown;
  readonly errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  /** Set when the connection itself was refused or closed. */
  readonly closeCode?: number;
}

/** Runs one operation over a fresh graphql-ws connection. */
async function overWs(server: TestServer, query: string, connectionParams?: Record<string, unknown>): Promise<Outcome> {
  let client: Client | null = null;
  try {
    return await new Promise<Outcome>((resolve) => {
      client = createClient({
        url: server.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        ...(connectionParams === undefined ? {} : { connectionParams }),
        on: { closed: (event) => resolve({ closeCode: (event as { code?: number }).code ?? -1 }) },
      });
      let result: Outcome = {};
      client.subscribe({ query }, {
        next: (message) => { result = message as Outcome; },
        error: (error) => resolve(Array.isArray(error) ? { errors: error } : { closeCode: (error as { code?: number }).code ?? -1 }),
        complete: () => resolve(result),
      });
    });
  } finally {
    await (client as Client | null)?.dispose();
  }
}

const DEEP = `{ annotation(id: "QW5ub3RhdGlvbjox") { ${Array.from({ length: 9 }, () => 'neuron { annotations {').join(' ')} id ${'} }'.repeat(9)} } }`;

it('answers a query over WebSockets', async () => {
  expect(await overWs(open, '{ health { database } }')).toEqual({ data: { health: { database: 'ok' } } });
});

it('EXPECTED FAILURE: a depth-20 query over WebSockets is rejected by the same validation rule', async () => {
  const outcome = await overWs(open, DEEP);
  expect(outcome.errors?.[0]?.message).toMatch(/query depth 20 exceeds the limit of 12/);
  expect(outcome.errors?.[0]?.extensions).toMatchObject({ reason: 'QUERY_TOO_DEEP' });
});

it('EXPECTED FAILURE: an over-complex query over WebSockets is rejected', async () => {
  const aliases = Array.from({ length: 170 }, (_, i) => `p${i}: prompts(first: 100) { edges { node { id } } }`);
  const outcome = await overWs(open, `{ ${aliases.join(' ')} }`);
  expect(outcome.errors?.[0]?.extensions).toMatchObject({ reason: 'QUERY_TOO_COMPLEX', complexity: 51170 });
});

it('takes the key from connectionParams', async () => {
  expect(await overWs(open, '{ me { name role } }', { authorization: `Bearer ${readerKey}` })).toEqual({ data: { me: { name: 'reader', role: 'READER' } } });
});

it.each([
  ['an unknown key', 'open', { authorization: 'Bearer na_unknown' }],
  ['no key when reads need one', 'closed', undefined],
])('EXPECTED FAILURE: %s: the connection is refused (4403)', async (_label, which, params) => {
  expect(await overWs(which === 'open' ? open : closed, '{ health { database } }', params)).toEqual({ closeCode: 4403 });
});

it('with reads closed, a READER key in connectionParams is let in', async () => {
  expect(await overWs(closed, '{ health { database } }', { authorization: `Bearer ${readerKey}` })).toEqual({ data: { health: { database: 'ok' } } });
});
