// Creates the database a DATABASE_URL names when the server exists but the database does not yet.
import pg from 'pg';

const INVALID_CATALOG_NAME = '3D000';

/** Connects to `url`; if its database is missing, creates it through the server's `postgres` database. Returns true when it created it. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return false;
  } catch (error) {
    // pg errors carry the SQLSTATE in `code`.
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  return true;
}
