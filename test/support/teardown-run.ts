// Run by jest globalTeardown (global-teardown.js): drop the template database, stop the embedded PostgreSQL, remove its folder.
import { rm } from 'node:fs/promises';
import { adminQuery } from './postgres-admin.js';
import { getRunState } from './run-state.js';

export async function teardownRun(): Promise<void> {
  const { embedded, embeddedDir, templateUrl } = getRunState();
  if (templateUrl !== undefined) {
    const name = new URL(templateUrl).pathname.slice(1);
    await adminQuery(templateUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  await embedded?.stop();
  if (embeddedDir !== undefined) await rm(embeddedDir, { recursive: true, force: true });
}
