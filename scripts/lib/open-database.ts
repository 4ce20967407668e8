// The database a command-line tool works on: the server's own (DATABASE_URL, or the embedded
// PostgreSQL in ATLAS_DATA_DIR when it is unset, the running server's if there is one), migrated first.
// Needs --experimental-wasm-modules.
import path from 'node:path';
import type { Config } from '../../api/config.js';
import { runningEmbeddedPostgresUrl, startEmbeddedPostgres } from '../../api/database/embedded.js';
import { ensureDatabase } from '../../api/database/ensure-database.js';
import { applyMigrations } from '../../api/database/migrate.js';
import { createPrisma, type PrismaClient } from '../../api/database/prisma.js';

export interface OpenDatabase {
  readonly prisma: PrismaClient;
  /** Disconnects (and stops the embedded PostgreSQL if this opened it). */
  close(): Promise<void>;
}

/**
 * Connects to the configured database, creating and migrating it if needed. Without DATABASE_URL:
 * the embedded PostgreSQL of a server running on ATLAS_DATA_DIR, else one started (and stopped) here.
 */
export async function openDatabase(config: Config): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (url === null) {
    const dir = path.join(config.dataDir, 'postgres');
    // The server may be running on the same folder: then use its PostgreSQL rather than start one.
    url = await runningEmbeddedPostgresUrl(dir, 'atlas');
    if (url === null) {
      const embedded = await startEmbeddedPostgres({ dir, port: config.embeddedPostgresPort, database: 'atlas' });
      stopEmbedded = embedded.stop;
      url = embedded.url('atlas');
    }
  } else {
    await ensureDatabase(url);
  }
  await applyMigrations(url);
  const prisma = createPrisma(url);
  return {
    prisma,
    async close() {
      await prisma.$disconnect();
      await stopEmbedded?.();
    },
  };
}
