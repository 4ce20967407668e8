// prisma/migrations against prisma/schema.prisma and the constraints the API relies on.
import { ErrorCode, translatePrismaError } from '../../api/errors.js';
import { runMigrateScript } from '../support/migrate-child.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

function codeOf(error: unknown): unknown {
  return (error as { extensions?: { code?: unknown } }).extensions?.code;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('migrations', () => {
  it('produce exactly schema.prisma (the diff from migrations to schema is empty)', async () => {
    const sql = await runMigrateScript('diff', db.url);
    expect(sql.trim()).toBe('-- This is an empty migration.');
  });

  it('are all applied already and apply nothing a second time', async () => {
    expect(JSON.parse(await runMigrateScript('apply', db.url))).toEqual([]);
  });

  it('seed the six knowledge types of the paper', async () => {
    const names = (await db.prisma.knowledgeType.findMany({ orderBy: { name: 'asc' } })).map((k) => k.name);
    expect(names).toEqual(['capital', 'color', 'country', 'language', 'month', 'number']);
  });
});

describe('constraints', () => {
  it('make (model, prompt, target, method, engine version) the unique attribution cache key', async () => {
    const model = await db.prisma.model.create({
      data: { name: 'tiny', architecture: 'LLAMA', sourcePath: '/m', config: { dVocab: 512 }, weightsChecksum: 'c' },
    });
    const prompt = await db.prisma.prompt.create({ data: { tokenIds: [1, 2], modelId: model.id } });
    const key = { modelId: model.id, promptId: prompt.id, targetTokenId: 7, method: 'LOG_PROB_INCREASE' as const, engineVersion: '1' };
    await db.prisma.attributionRun.create({ data: key });
    await db.prisma.attributionRun.create({ data: { ...key, engineVersion: '2' } });
    const error = await caught(db.prisma.attributionRun.create({ data: key }));
    expect(codeOf(translatePrismaError(error, 'AttributionRun'))).toBe(ErrorCode.CONFLICT);
  });

  it('make neurons unique per (model, kind, layer, head, index), FFN neurons included', async () => {
    const model = await db.prisma.model.create({
      data: { name: 'tiny-2', architecture: 'GPT2', sourcePath: '/m', config: {}, weightsChecksum: 'c' },
    });
    const ffn = { modelId: model.id, kind: 'FFN' as const, layer: 3, index: 17 };
    expect((await db.prisma.neuron.create({ data: ffn })).head).toBe(-1);
    await db.prisma.neuron.create({ data: { ...ffn, kind: 'ATTENTION', head: 2 } });
    const error = await caught(db.prisma.neuron.create({ data: ffn }));
    expect(codeOf(translatePrismaError(error, 'Neuron'))).toBe(ErrorCode.CONFLICT);
  });

  it('translate a missing record (P2025) to NOT_FOUND and leave other errors alone', async () => {
    const error = await caught(db.prisma.prompt.update({ where: { id: 987654 }, data: { text: 'x' } }));
    expect(codeOf(translatePrismaError(error, 'Prompt'))).toBe(ErrorCode.NOT_FOUND);
    const plain = new Error('boom');
    expect(translatePrismaError(plain, 'Prompt')).toBe(plain);
  });
});
