// Run by jest globalSetup (global-setup.js): one PostgreSQL server for the run (DATABASE_URL's, or an embedded one in a
// temporary folder when it is unset), and one template database migrated once. Each test file
// clones the template (test/support/test-database.ts). Workers find it in ATLAS_TEST_TEMPLATE_URL.
import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../api/config.js';
import { startEmbeddedPostgres } from '../../api/database/embedded.js';
import { runMigrateScript } from './migrate-child.js';
import { adminQuery, dropStaleTestDatabases, uniqueDatabaseName, withDatabase } from './postgres-admin.js';
import { setRunState } from './run-state.js';

export async function setupRun(): Promise<void> {
  const { databaseUrl } = parseConfig(process.env);
  let serverUrl = databaseUrl;
  if (serverUrl === null) {
    const embeddedDir = await mkdtemp(path.join(os.tmpdir(), 'atlas-test-pg-'));
    // Run as root, PostgreSQL runs as the `postgres` user, which must reach the data folder.
    await chmod(embeddedDir, 0o755);
    const embedded = await startEmbeddedPostgres({ dir: path.join(embeddedDir, 'data'), port: 0, database: 'atlas' });
    setRunState({ embedded, embeddedDir });
    serverUrl = embedded.url('atlas');
  }
  await dropStaleTestDatabases(serverUrl);
  const template = uniqueDatabaseName('atlas_tpl');
  await adminQuery(serverUrl, `CREATE DATABASE "${template}"`);
  const templateUrl = withDatabase(serverUrl, template);
  setRunState({ templateUrl });
  await runMigrateScript('apply', templateUrl);
  process.env.ATLAS_TEST_TEMPLATE_URL = templateUrl;
}
