// API keys and roles over real HTTP: Bearer keys stored hashed, READER < ANNOTATOR < ADMIN, reads
// open by default and closed with requireKeyForReads, and `npm run atlas -- keys` as a child process.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApiKey } from '../../api/auth/api-keys.js';
import { PROJECT_ROOT } from '../../api/config.js';
import { runningEmbeddedPostgresUrl } from '../../api/database/embedded.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);

let db: TestDatabase;
let server: TestServer;
const keys: Record<'READER' | 'ANNOTATOR' | 'ADMIN', string> = { READER: '', ANNOTATOR: '', ADMIN: '' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.prisma);
  for (const role of ['READER', 'ANNOTATOR', 'ADMIN'] as const) {
    keys[role] = (await createApiKey(db.prisma, `${role.toLowerCase()}-key`, role)).key;
  }
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const CREATE = 'mutation($name: String!, $role: ApiRole!) { createApiKey(name: $name, role: $role) { key apiKey { id name role prefix revokedAt } } }';

describe('API keys', () => {
  it('stores only the SHA-256 of a key and a short prefix', async () => {
    const res = await server.graphql(CREATE, { name: 'alice', role: 'ANNOTATOR' }, bearer(keys.ADMIN));
    expect(res.body.errors).toBeUndefined();
    const { key, apiKey } = res.body.data.createApiKey;
    expect(key).toMatch(/^na_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'alice', role: 'ANNOTATOR', prefix: key.slice(0, 11), revokedAt: null });
    const row = await db.prisma.apiKey.findFirstOrThrow({ where: { name: 'alice' } });
    expect(row.keyHash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key.slice(11));
    const me = await server.graphql('{ me { name role } }', {}, bearer(key));
    expect(me.body.data.me).toEqual({ name: 'alice', role: 'ANNOTATOR' });
    const row2 = await db.prisma.apiKey.findFirstOrThrow({ where: { name: 'alice' } });
    expect(row2.lastUsedAt).not.toBeNull();
  });

  it('me is null and reads work without a key (reads open by default)', async () => {
    const res = await server.graphql('{ me { name } health { database } }');
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ me: null, health: { database: 'ok' } });
  });

  it.each([
    ['no key', {}, 'UNAUTHENTICATED', 401, /needs an API key with role ADMIN/],
    ['READER key', 'READER', 'FORBIDDEN', 403, /needs role ADMIN or higher: key "reader-key" has READER/],
    ['ANNOTATOR key', 'ANNOTATOR', 'FORBIDDEN', 403, /needs role ADMIN or higher: key "annotator-key" has ANNOTATOR/],
    ['unknown key', { authorization: 'Bearer na_notakey' }, 'UNAUTHENTICATED', 401, /unknown API key/],
    ['not a Bearer header', { authorization: 'Basic dXNlcjpwdw==' }, 'UNAUTHENTICATED', 401, /must be "Bearer <API key>"/],
  ])('EXPECTED FAILURE: createApiKey with %s', async (_label, auth, code, status, message) => {
    const headers = typeof auth === 'string' ? bearer(keys[auth as keyof typeof keys]) : auth;
    const before = await db.prisma.apiKey.count();
    const res = await server.graphql(CREATE, { name: 'mallory', role: 'ADMIN' }, headers);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(res.status).toBe(status);
    expect(await db.prisma.apiKey.count()).toBe(before);
  });

  it('EXPECTED FAILURE: a bad name is BAD_USER_INPUT', async () => {
    const res = await server.graphql(CREATE, { name: '  ', role: 'READER' }, bearer(keys.ADMIN));
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'name' });
  });

  it('a revoked key is UNAUTHENTICATED even for reads; apiKeys lists it as revoked', async () => {
    const created = await server.graphql(CREATE, { name: 'temp', role: 'READER' }, bearer(keys.ADMIN));
    const { key, apiKey } = created.body.data.createApiKey;
    expect((await server.graphql('{ me { name } }', {}, bearer(key))).body.data.me).toEqual({ name: 'temp' });
    const revoked = await server.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: apiKey.id }, bearer(keys.ADMIN));
    expect(revoked.body.data.revokeApiKey.revokedAt).toEqual(expect.any(String));
    const after = await server.graphql('{ me { name } }', {}, bearer(key));
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/was revoked/) });
    const list = await server.graphql('{ apiKeys { id name revokedAt } }', {}, bearer(keys.ADMIN));
    expect(list.body.data.apiKeys.find((k: { id: string }) => k.id === apiKey.id)).toMatchObject({ name: 'temp', revokedAt: expect.any(String) });
    const missing = await server.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: 'QXBpS2V5Ojk5OTk=' }, bearer(keys.ADMIN));
    expect(missing.body.errors?.[0]).toMatchObject({ message: 'ApiKey QXBpS2V5Ojk5OTk= not found', extensions: { code: 'NOT_FOUND' } });
    const denied = await server.graphql('{ apiKeys { id } }', {}, bearer(keys.READER));
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('requireKeyForReads', () => {
  let closed: TestServer;
  beforeAll(async () => {
    closed = await startTestServer(db.prisma, { requireKeyForReads: true });
  });
  afterAll(async () => closed?.stop());

  it('refuses a query without a key and answers one with a READER key', async () => {
    const anonymous = await closed.graphql('{ health { database } }');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.body.data).toBeUndefined();
    const reader = await closed.graphql('{ health { database } me { role } }', {}, bearer(keys.READER));
    expect(reader.body).toEqual({ data: { health: { database: 'ok' }, me: { role: 'READER' } } });
  });
});

describe('npm run atlas -- keys', () => {
  const atlas = (args: string[]) => run(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/atlas.ts'), 'keys', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: db.url, NODE_OPTIONS: '' },
  });

  it('creates a key printed once, lists it, revokes it by prefix', async () => {
    const created = await atlas(['create', '--role', 'ADMIN', '--name', 'first-admin']);
    const key = created.stdout.trim();
    expect(key).toMatch(/^na_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created ADMIN key "first-admin" \(id \d+\); the key above is shown only once/);
    const me = await server.graphql('{ me { name role } }', {}, bearer(key));
    expect(me.body.data.me).toEqual({ name: 'first-admin', role: 'ADMIN' });

    const listed = await atlas(['list']);
    expect(listed.stdout).toMatch(new RegExp(`${key.slice(0, 11)}…\\s+ADMIN\\s+first-admin\\s+\\(active, last used`));
    expect(listed.stdout).not.toContain(key);

    await atlas(['revoke', '--prefix', key.slice(0, 11)]);
    expect((await server.graphql('{ me { name } }', {}, bearer(key))).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }, 60_000);

  it('EXPECTED FAILURE: bad usage exits 2 with a message (cases run as parallel processes)', async () => {
    const cases: [string[], RegExp][] = [
      [['create', '--name', 'x'], /create needs --role and --name/],
      [['create', '--name', 'x', '--role', 'OWNER'], /role must be one of READER, ANNOTATOR, ADMIN: got "OWNER"/],
      [['revoke'], /revoke needs exactly one of --id, --prefix/],
      [['rotate'], /unknown subcommand "rotate"/],
    ];
    const outcomes = await Promise.all(cases.map(([args]) => atlas(args).then(() => null, (error: { code: number; stderr: string }) => error)));
    outcomes.forEach((failed, i) => {
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toMatch(cases[i]?.[1] ?? /never/);
    });
  }, 60_000);
});

describe('runningEmbeddedPostgresUrl (the CLI joins the embedded PostgreSQL of a running server)', () => {
  it('reads the port from postmaster.pid when its process is alive, and returns null otherwise', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atlas-pid-'));
    try {
      expect(await runningEmbeddedPostgresUrl(dir, 'atlas')).toBeNull();
      await writeFile(path.join(dir, 'postmaster.pid'), `${process.pid}\n${dir}\n1700000000\n54321\n/tmp\n127.0.0.1\n`);
      expect(await runningEmbeddedPostgresUrl(dir, 'atlas')).toBe('postgresql://postgres:postgres@127.0.0.1:54321/atlas');
      // pid_max on Linux is at most 2^22: this pid cannot exist.
      await writeFile(path.join(dir, 'postmaster.pid'), `${2 ** 22 + 1}\n${dir}\n1700000000\n54321\n`);
      expect(await runningEmbeddedPostgresUrl(dir, 'atlas')).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
