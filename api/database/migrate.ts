// Prisma migrations without the native schema-engine binary: the WebAssembly schema engine
// driven through the pg driver adapter (see the platform notes). Importing this module needs
// `node --experimental-wasm-modules`, so jest reaches it only through scripts/migrate.ts.
import { randomUUID } from 'node:crypto';
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
} from '@prisma/driver-adapter-utils';
import { SchemaEngine, type MigrationList } from '@prisma/schema-engine-wasm';

const PRISMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma');
/** prisma/schema.prisma, absolute. */
const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');
/** prisma/migrations, absolute. */
const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');

// The wasm engine reports a Rust panic's message through this global before it throws; without
// it, the panic surfaces as "Cannot read properties of undefined (reading 'set_message')".
let lastPanic = '';
// The cast declares the global the engine's glue code reads.
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
  set_message(message: string) {
    lastPanic = message;
  },
};

const NO_FILTER = { externalTables: [], externalEnums: [] };

/** Reads prisma/migrations (`<timestamp>_<name>/migration.sql` + migration_lock.toml) in name order. */
async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = await Promise.all(names.map(async (name) => ({
    // The engine records `path` as the migration name, which `prisma migrate deploy` expects bare.
    path: name,
    migrationFile: {
      path: 'migration.sql',
      content: { tag: 'ok' as const, value: await readFile(path.join(dir, name, 'migration.sql'), 'utf8') },
    },
  })));
  const lockPath = path.join(dir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

const PG_CHAR = 18;
const PG_TEXT = 25;
/** Result rows (pg's array, returned as is by the adapter) -> indices of their "char" columns. */
const charColumns = new WeakMap<object, number[]>();

function markCharColumns<T>(result: T): T {
  // A pg Result (rowMode array): `fields` from the RowDescription, `rows` the array handed on.
  const { fields, rows } = (result ?? {}) as { fields?: { dataTypeID: number }[]; rows?: object };
  if (fields === undefined || rows === undefined) return result;
  const indices: number[] = [];
  fields.forEach((field, i) => {
    if (field.dataTypeID === PG_CHAR) {
      field.dataTypeID = PG_TEXT;
      indices.push(i);
    }
  });
  if (indices.length > 0) charColumns.set(rows, indices);
  return result;
}

/**
 * The schema engine describes a database through catalog columns of PostgreSQL's one-byte type
 * `"char"` (pg_constraint.contype, pg_class.relkind), which @prisma/adapter-pg 7.10 rejects as an
 * unsupported column type. This pg client lets them through as text and remembers where they
 * were; withCharColumns then reports them to the engine as the Character type it reads them as.
 */
class CharAsTextClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's query() has a dozen overloads; this forwards all of them
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, res: unknown) => last(err, err ? res : markCharColumns(res));
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return out instanceof Promise ? out.then(markCharColumns) : out;
  }
}

function withCharColumns<Q extends SqlQueryable>(queryable: Q): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

/** An adapter from PrismaPg whose "char" columns (and its transactions') reach the engine typed. */
function patchAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => withCharColumns(await startTransaction(isolationLevel));
  return withCharColumns(adapter);
}

/**
 * Discrete pg settings for `url`. The adapter's shadow database overrides `database`, which pg
 * ignores when a connectionString is present (the shadow would then be the real database).
 */
function poolConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') throw new Error(`not a PostgreSQL URL: ${u.protocol}`);
  return {
    host: decodeURIComponent(u.hostname) || 'localhost',
    port: u.port === '' ? 5432 : Number(u.port),
    user: decodeURIComponent(u.username) || undefined,
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || undefined,
    max: 2,
    Client: CharAsTextClient,
  };
}

async function adminQuery(config: pg.PoolConfig, sql: string): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * PrismaPg with a shadow database that is dropped after its pool closes: the adapter's own
 * connectToShadowDb drops it while its idle connections still hold it ("being accessed by other
 * users"), leaving prisma_migrate_shadow_db_* databases behind.
 */
function migrationAdapterFactory(url: string, opened: SqlDriverAdapter[]): SqlMigrationAwareDriverAdapterFactory {
  const config = poolConfig(url);
  const base = new PrismaPg(config);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    async connect() {
      const adapter = patchAdapter(await base.connect());
      opened.push(adapter);
      return adapter;
    },
    async connectToShadowDb() {
      const database = `atlas_shadow_${randomUUID().replaceAll('-', '')}`;
      await adminQuery(config, `CREATE DATABASE "${database}"`);
      const shadow = patchAdapter(await new PrismaPg({ ...config, database }).connect());
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await adminQuery(config, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      };
      return shadow;
    },
  };
}

async function withEngine<T>(url: string, run: (engine: SchemaEngine, schema: string) => Promise<T>): Promise<T> {
  const schema = await readFile(SCHEMA_PATH, 'utf8');
  // The engine never disposes its main connection; close it here so the pool's idle sockets do not
  // keep the process alive for pg's idle timeout.
  const opened: SqlDriverAdapter[] = [];
  const adapter = bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(url, opened));
  const engine = await SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schema]] }, () => {}, adapter);
  try {
    return await run(engine, schema);
  } catch (error) {
    if (lastPanic === '') throw error;
    const message = lastPanic;
    lastPanic = '';
    throw new Error(`schema engine panicked: ${message}`, { cause: error });
  } finally {
    engine.free();
    await Promise.allSettled(opened.map((a) => a.dispose()));
  }
}

/** Applies every pending migration to the database at `url`; returns the names applied (none when up to date). */
export async function applyMigrations(url: string): Promise<string[]> {
  const migrationsList = await readMigrations();
  return withEngine(url, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return out.appliedMigrationNames;
  });
}

/**
 * SQL that would take a database built by the migrations to schema.prisma: empty when they agree.
 * Replays the migrations in a throw-away shadow database on the server at `url`.
 */
export async function diffMigrationsToSchema(url: string): Promise<string> {
  const migrationsList = await readMigrations();
  return withEngine(url, async (engine, schema) => {
    const out = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    return (out.stdout ?? '').trim();
  });
}

/**
 * Writes the SQL bringing the migrations up to schema.prisma as a new migration
 * `<UTC timestamp>_<name>`; returns its directory, or null when there is nothing to migrate.
 */
export async function createMigration(url: string, name: string): Promise<string | null> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`migration name must match [a-z0-9_]+: got ${JSON.stringify(name)}`);
  await mkdir(MIGRATIONS_DIR, { recursive: true });
  // The engine reads the connector from the lock file, so a first migration needs it up front.
  const lock = '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n';
  await writeFile(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), lock, { flag: 'wx' }).catch(() => undefined);
  const sql = await diffMigrationsToSchema(url);
  if (sql === '' || /^-- This is an empty migration\.?$/.test(sql)) return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  await mkdir(dir);
  await writeFile(path.join(dir, 'migration.sql'), `${sql}\n`);
  return dir;
}
