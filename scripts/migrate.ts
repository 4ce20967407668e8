// Migration CLI (`npm run db:migrate`, `npm run db:diff`, `npm run db:migration -- <name>`):
//   apply [url]         apply pending migrations, print the applied names as JSON
//   diff [url]          print the SQL from the migrations to schema.prisma (empty migration: no drift)
//   new <name> [url]    write that SQL as prisma/migrations/<timestamp>_<name>/migration.sql
// Without a url it uses DATABASE_URL, else the embedded PostgreSQL in the data folder (stop
// `npm start` first: one server per folder). Runs with `node --experimental-wasm-modules`.
import path from 'node:path';
import { loadConfig } from '../api/config.js';
import { startEmbeddedPostgres } from '../api/database/embedded.js';
import { applyMigrations, createMigration, diffMigrationsToSchema } from '../api/database/migrate.js';

const USAGE = 'usage: migrate.ts apply [url] | diff [url] | new <name> [url]';

async function withDatabase<T>(url: string | undefined, run: (url: string) => Promise<T>): Promise<T> {
  if (url !== undefined) return run(url);
  const config = loadConfig();
  if (config.databaseUrl !== null) return run(config.databaseUrl);
  const embedded = await startEmbeddedPostgres({
    dir: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    database: 'atlas',
  });
  try {
    return await run(embedded.url('atlas'));
  } finally {
    await embedded.stop();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'apply':
      process.stdout.write(`${JSON.stringify(await withDatabase(rest[0], applyMigrations))}\n`);
      return;
    case 'diff':
      process.stdout.write(`${await withDatabase(rest[0], diffMigrationsToSchema)}\n`);
      return;
    case 'new': {
      const name = rest[0];
      if (name === undefined) throw new Error(USAGE);
      const dir = await withDatabase(rest[1], (url) => createMigration(url, name));
      process.stdout.write(dir === null ? 'schema.prisma and the migrations agree: nothing to write\n' : `wrote ${dir}\n`);
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

// Exit explicitly: the wasm engine leaves a 10 s timer behind after applyMigrations.
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
