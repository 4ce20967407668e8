// The fresh-machine path: with no DATABASE_URL the server runs an embedded PostgreSQL whose data
// folder survives restarts. Exercised here whatever the run's own database is.
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../api/database/embedded.js';
import { runMigrateScript } from '../support/migrate-child.js';

let parent: string;

beforeAll(async () => {
  parent = await mkdtemp(path.join(os.tmpdir(), 'atlas-embedded-test-'));
  await chmod(parent, 0o755);
});

afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

it('initialises, migrates, stops and restarts on the same data folder with the rows intact', async () => {
  const dir = path.join(parent, 'postgres');
  const first = await startEmbeddedPostgres({ dir, port: 0, database: 'atlas' });
  try {
    // A fresh data folder gets every migration of prisma/migrations, in order.
    const migrations = (await readdir(path.resolve('prisma/migrations'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(JSON.parse(await runMigrateScript('apply', first.url('atlas')))).toEqual(migrations);
    await query(first.url('atlas'), `INSERT INTO "Prompt" ("text", "tokenIds", "tokens") VALUES ('persisted', '{}', '{}')`);
  } finally {
    await first.stop();
  }
  const second = await startEmbeddedPostgres({ dir, port: 0, database: 'atlas' });
  try {
    expect(JSON.parse(await runMigrateScript('apply', second.url('atlas')))).toEqual([]);
    expect(await query(second.url('atlas'), 'SELECT "text" FROM "Prompt"')).toEqual([{ text: 'persisted' }]);
  } finally {
    await second.stop();
    await second.stop();
  }
});
