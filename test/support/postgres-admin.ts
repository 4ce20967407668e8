// Database-level SQL for the test harness (CREATE/DROP DATABASE on the test server).
import pg from 'pg';

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `sql` on the `postgres` database of the server at `url`. */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database name with `prefix`, unique across processes and runs. */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Test databases older than this are leftovers of killed runs. */
const STALE_AFTER_MS = 6 * 3600 * 1000;

/**
 * Drops databases made by uniqueDatabaseName (atlas_tpl_*, atlas_t_*) more than six hours ago on
 * the server at `url`: a run killed before its teardown leaves them behind. Returns their names.
 */
export async function dropStaleTestDatabases(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname ~ '^atlas_(tpl|t)_[0-9]+_[0-9a-z]+_[0-9a-z]+$'",
    );
    const stale = rows.map((r) => r.datname).filter((name) => {
      const created = parseInt(name.split('_').at(-2) ?? '', 36);
      return Number.isFinite(created) && Date.now() - created > STALE_AFTER_MS;
    });
    for (const name of stale) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return stale;
  } finally {
    await client.end();
  }
}
