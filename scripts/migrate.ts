// Migration CLI (run with `node --experimental-wasm-modules --import tsx scripts/migrate.ts`):
//   apply <url>          apply pending migrations, print the applied names as JSON
//   diff <url>           print the SQL from the migrations to schema.prisma (empty: no drift)
//   new <url> <name>     write that SQL as prisma/migrations/<timestamp>_<name>/migration.sql
// Exits 1 with the error message on failure.
import { applyMigrations, createMigration, diffMigrationsToSchema } from '../api/database/migrate.js';

const USAGE = 'usage: migrate.ts apply <url> | diff <url> | new <url> <name>';

async function main(argv: string[]): Promise<void> {
  const [command, url, name] = argv;
  if (url === undefined) throw new Error(USAGE);
  switch (command) {
    case 'apply':
      process.stdout.write(`${JSON.stringify(await applyMigrations(url))}\n`);
      return;
    case 'diff':
      process.stdout.write(await diffMigrationsToSchema(url));
      return;
    case 'new': {
      if (name === undefined) throw new Error(USAGE);
      const dir = await createMigration(url, name);
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
