// Regenerates the Prisma client (committed under api/generated/prisma) from prisma/schema.prisma,
// offline: `prisma generate` never runs the native schema engine but insists that
// PRISMA_SCHEMA_ENGINE_BINARY names an executable, so it is pointed at node itself.
//   prisma-generate.ts           regenerate in place
//   prisma-generate.ts <root>    generate into <root>/api/generated/prisma instead (staleness test)
import { execFile } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The project root (the folder of package.json). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PRISMA_CLI = path.join(ROOT, 'node_modules/prisma/build/index.js');
const OUTPUT = 'api/generated/prisma';

/**
 * Runs `prisma generate` for prisma/schema.prisma. With `root`, the schema is copied to
 * `<root>/prisma/` first, so the client lands in `<root>/api/generated/prisma` byte for byte as it
 * would in the project (root should lie inside the project, where @prisma/client resolves).
 * Returns the output folder.
 */
export async function generatePrismaClient(root = ROOT): Promise<string> {
  const schema = path.join(root, 'prisma/schema.prisma');
  if (root !== ROOT) {
    await mkdir(path.dirname(schema), { recursive: true });
    await copyFile(path.join(ROOT, 'prisma/schema.prisma'), schema);
  }
  await promisify(execFile)(process.execPath, [PRISMA_CLI, 'generate', '--schema', schema], {
    cwd: root,
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  return path.join(root, OUTPUT);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generatePrismaClient(process.argv[2] === undefined ? ROOT : path.resolve(process.argv[2])).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
