// The database a command-line tool works on: the server's own (DATABASE_URL, or the embedded
// PostgreSQL in ATLAS_DATA_DIR when it is unset), migrated first. Needs --experimental-wasm-modules.
import path from 'node:path';
import type { Config } from '../../api/config.js';
import { startEmbeddedPostgres } from '../../api/database/embedded.js';
import { ensureDatabase } from '../../api/database/ensure-database.js';
import { applyMigrations } from '../../api/database/migrate.js';
import { createPrisma, type PrismaClient } from '../../api/database/prisma.js';

export interface OpenDatabase {
  readonly prisma: PrismaClient;
  /** Disconnects (and stops the embedded PostgreSQL if this opened it). */
  close(): Promise<void>;
}

/**
 * Connects to the configured database, creating and migrating it if needed. With the embedded
 * PostgreSQL, the server must not be running on the same data folder at the same time.
 */
export async function openDatabase(config: Config): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (url === null) {
    const embedded = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), port: config.embeddedPostgresPort, database: 'atlas' });
    stopEmbedded = embedded.stop;
    url = embedded.url('atlas');
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
