// registerModel over real HTTP: paths confined to the model roots, checkpoints validated by loading,
// config and checksum stored; health reports the engine.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiKey } from '../../api/auth/api-keys.js';
import { EngineService } from '../../api/engine-service.js';
import { PRESETS, writeRandomCheckpoint } from '../../scripts/lib/random-checkpoint.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;
let root: string;
let engine: EngineService;
let admin: Record<string, string>;

const REGISTER = 'mutation($path: String!, $name: String!) { registerModel(path: $path, name: $name) { id name architecture sourcePath weightsChecksum config { nLayers dModel dVocab } } }';

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'atlas-models-'));
  writeRandomCheckpoint(path.join(root, 'tiny'), { ...PRESETS['tiny-gpt2'], seed: 1 });
  mkdirSync(path.join(root, 'broken'));
  writeFileSync(path.join(root, 'broken', 'config.json'), '{"architectures": ["GPT2LMHeadModel"]');
  symlinkSync('/etc', path.join(root, 'escape'));
  db = await createTestDatabase();
  engine = new EngineService({ memoryBytes: 64 * 1024 * 1024 });
  admin = { authorization: `Bearer ${(await createApiKey(db.prisma, 'admin', 'ADMIN')).key}` };
  server = await startTestServer(db.prisma, { engine, modelRoots: [root] });
});

afterAll(async () => {
  await server?.stop();
  await engine?.close();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

it('registers a checkpoint inside a root with its config and checksum, idempotently', async () => {
  const res = await server.graphql(REGISTER, { path: 'tiny', name: 'tiny' }, admin);
  expect(res.body.errors).toBeUndefined();
  const m = res.body.data.registerModel;
  expect(m).toMatchObject({ name: 'tiny', architecture: 'GPT2', sourcePath: path.join(root, 'tiny'), config: { nLayers: 2, dModel: 32, dVocab: 97 } });
  expect(m.weightsChecksum).toMatch(/^[0-9a-f]{64}$/);
  const again = await server.graphql(REGISTER, { path: path.join(root, 'tiny'), name: 'tiny' }, admin);
  expect(again.body.data.registerModel.id).toBe(m.id);
  expect(engine.loads).toBe(1);
  expect((await server.graphql('{ health { engine } }')).body.data.health.engine).toMatch(/^ready \(1 model loaded/);
});

it.each([
  ['traversal', '../../etc', /inside a model root/],
  ['absolute outside', '/etc', /inside a model root/],
  ['symlink out of the root', 'escape', /links outside/],
  ['missing folder', 'nothing-here', /no such checkpoint folder/],
  ['broken checkpoint', 'broken', /not a loadable checkpoint/],
])('EXPECTED FAILURE: %s -> BAD_USER_INPUT', async (_label, p, message) => {
  const res = await server.graphql(REGISTER, { path: p, name: `m-${_label}` }, admin);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(await db.prisma.model.count({ where: { name: `m-${_label}` } })).toBe(0);
});

it('EXPECTED FAILURE: without a key -> UNAUTHENTICATED, nothing loaded', async () => {
  const loads = engine.loads;
  const res = await server.graphql(REGISTER, { path: 'tiny2', name: 'anon' });
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(engine.loads).toBe(loads);
});

it('EXPECTED FAILURE: a name taken by another folder -> CONFLICT', async () => {
  writeRandomCheckpoint(path.join(root, 'tiny2'), { ...PRESETS['tiny-gpt2'], seed: 2 });
  const res = await server.graphql(REGISTER, { path: 'tiny2', name: 'tiny' }, admin);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
});

it('unloads the least recently used model past the memory budget', async () => {
  const small = new EngineService({ memoryBytes: 1 });
  try {
    await small.withModel(path.join(root, 'tiny'), async () => undefined);
    await small.withModel(path.join(root, 'tiny2'), async () => undefined);
    expect(small.isLoaded(path.join(root, 'tiny'))).toBe(false);
    expect(small.isLoaded(path.join(root, 'tiny2'))).toBe(false);
    const big = new EngineService({ memoryBytes: 64 * 1024 * 1024 });
    await big.withModel(path.join(root, 'tiny'), async () => undefined);
    await big.withModel(path.join(root, 'tiny2'), async () => undefined);
    expect(big.isLoaded(path.join(root, 'tiny'))).toBe(true);
    await big.close();
  } finally {
    await small.close();
  }
});
