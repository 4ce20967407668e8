// `npm start`'s entry (api/main.ts) as a real process: configuration errors, start-up against
// DATABASE_URL or the embedded PostgreSQL (twice on one data folder), SIGTERM within 10 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Started {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startMain(env: Record<string, string | undefined>): Started {
  const childEnv: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', DATABASE_URL: undefined, PORT: '0', HOST: '127.0.0.1', ATLAS_BOOTSTRAP_KNOWLEDGE_MODEL: 'false', ...env };
  const child = spawn(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', 'api/main.ts'], {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(childEnv).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, stderr: () => stderr, exited };
}

/** Resolves with the endpoint URL once the server logs it; rejects if the process exits first or after `ms`. */
async function endpointOf(started: Started, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const match = /GraphQL endpoint ready at (\S+)/.exec(started.stderr());
    if (match?.[1] !== undefined) return match[1];
    if (started.child.exitCode !== null) throw new Error(`server exited during start-up:\n${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no endpoint after ${ms} ms:\n${started.stderr()}`);
}

async function health(url: string): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ health { database } }' }) });
  return res.json();
}

/** Sends SIGTERM and returns how long the process took to exit, with its exit code. */
async function terminate(started: Started): Promise<{ ms: number; code: number | null }> {
  const t0 = Date.now();
  started.child.kill('SIGTERM');
  const { code } = await started.exited;
  return { ms: Date.now() - t0, code };
}

const running: Started[] = [];
afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

it('EXPECTED FAILURE: refuses to start on bad variables, naming each', async () => {
  const started = startMain({ PORT: 'eighty', ATLAS_LOG_LEVEL: 'loud' });
  running.push(started);
  const { code } = await started.exited;
  expect(code).toBe(2);
  expect(started.stderr()).toMatch(/PORT must be an integer in \[0, 65535\]: got "eighty"/);
  expect(started.stderr()).toMatch(/ATLAS_LOG_LEVEL must be one of debug, info, warn, error: got "loud"/);
});

describe('with DATABASE_URL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('serves health and exits 0 within 10 s of SIGTERM', async () => {
    const started = startMain({ DATABASE_URL: db.url });
    running.push(started);
    const url = await endpointOf(started);
    expect(await health(url)).toEqual({ data: { health: { database: 'ok' } } });
    const { ms, code } = await terminate(started);
    console.log(JSON.stringify({ shutdownMs: ms }));
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('without DATABASE_URL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'atlas-main-test-'));
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded PostgreSQL, twice on the same data folder, and stops it on SIGTERM', async () => {
    const timings: Record<string, number>[] = [];
    for (const round of [1, 2]) {
      const t0 = Date.now();
      const started = startMain({ ATLAS_DATA_DIR: dataDir });
      running.push(started);
      const url = await endpointOf(started);
      expect(await health(url)).toEqual({ data: { health: { database: 'ok' } } });
      const readyMs = Date.now() - t0;
      expect(started.stderr()).toMatch(round === 1 ? /applied migrations: \d+_init/ : /database schema is up to date/);
      const { ms, code } = await terminate(started);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      timings.push({ round, readyMs, shutdownMs: ms });
    }
    console.log(JSON.stringify({ embeddedStarts: timings }));
  });
});
