// The committed Prisma client (api/generated/prisma) must be what `npm run db:generate` makes
// from prisma/schema.prisma today.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrismaClient, ROOT } from '../../scripts/prisma-generate.js';

const COMMITTED = path.join(ROOT, 'api/generated/prisma');

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? listFiles(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)])));
  return nested.flat().sort();
}

it('api/generated/prisma is up to date with schema.prisma (else run `npm run db:generate`)', async () => {
  expect(fileURLToPath(import.meta.url).startsWith(ROOT)).toBe(true);
  await mkdir(path.join(ROOT, '.cache'), { recursive: true });
  const scratch = await mkdtemp(path.join(ROOT, '.cache', 'prisma-client-test-'));
  try {
    const fresh = await generatePrismaClient(scratch);
    const files = await listFiles(fresh);
    expect(await listFiles(COMMITTED)).toEqual(files);
    const stale: string[] = [];
    for (const file of files) {
      const [a, b] = await Promise.all([readFile(path.join(fresh, file), 'utf8'), readFile(path.join(COMMITTED, file), 'utf8')]);
      if (a !== b) stale.push(file);
    }
    expect(stale).toEqual([]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
