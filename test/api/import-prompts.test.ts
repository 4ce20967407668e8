// Prompts bound to a model over real HTTP: text tokenized with the model's own tokenizer, context
// length enforced, JSONL import all-or-nothing and idempotent; the knowledge-model bootstrap; the
// `atlas import` CLI as a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApiKey } from '../../api/auth/api-keys.js';
import { bootstrapKnowledgeModel } from '../../api/bootstrap.js';
import { PROJECT_ROOT } from '../../api/config.js';
import type { EngineService } from '../../api/engine-service.js';
import { TextTokenizer } from '../../engine/index.js';
import { quietLogger as quiet, startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestDatabase } from '../support/test-database.js';
import type { TestServer } from '../support/test-server.js';

let api: KnowledgeApi;
let db: TestDatabase;
let server: TestServer;
let engine: EngineService;
let annotator: Record<string, string>;
let modelId: string;
let modelDir: string;

beforeAll(async () => {
  api = await startKnowledgeApi();
  ({ db, server, engine, modelId } = api);
  modelDir = api.model.sourcePath;
  annotator = { authorization: `Bearer ${(await createApiKey(db.prisma, 'ann', 'ANNOTATOR')).key}` };
}, 120_000);

afterAll(async () => {
  await api?.close();
});

it('bootstrap registers the knowledge model and imports its dataset once', async () => {
  const lines = readFileSync(path.join(modelDir, 'dataset.jsonl'), 'utf8').trim().split('\n');
  expect(await db.prisma.prompt.count()).toBe(lines.length);
  const again = await bootstrapKnowledgeModel(db.prisma, engine, quiet, path.join(PROJECT_ROOT, '.cache'));
  expect(again.imported).toEqual({ created: 0, skipped: lines.length });
  expect(await db.prisma.model.count()).toBe(1);
  const first = JSON.parse(lines[0] ?? '{}') as { prompt: string; tokenIds: number[]; knowledgeType: string; answer: string };
  const stored = await db.prisma.prompt.findFirstOrThrow({ where: { text: first.prompt }, include: { knowledgeType: true } });
  expect(stored.tokenIds).toEqual(first.tokenIds);
  expect(stored.knowledgeType?.name).toBe(first.knowledgeType);
  expect(stored.expectedAnswer).toBe(first.answer);
  expect(stored.tokens.join('')).toBe(first.prompt);
});

it('createPrompt with a model tokenizes the text with its tokenizer', async () => {
  const text = 'The capital of France is';
  const res = await server.graphql('mutation($i: CreatePromptInput!) { createPrompt(input: $i) { tokenIds tokens } }',
    { i: { text, modelId } });
  expect(res.body.errors).toBeUndefined();
  const expected = TextTokenizer.fromFile(path.join(modelDir, 'tokenizer.json')).encode(text);
  expect(res.body.data.createPrompt.tokenIds).toEqual(expected);
  expect(res.body.data.createPrompt.tokens.join('')).toBe(text);
});

it.each([
  ['longer than the context (128 tokens)', { text: 'one two '.repeat(100) }, /1 to 128 tokens/],
  ['ids longer than the context', { tokenIds: Array.from({ length: 129 }, () => 11) }, /1 to 128 tokens/],
])('EXPECTED FAILURE: createPrompt %s -> BAD_USER_INPUT', async (_label, input, message) => {
  const res = await server.graphql('mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }', { i: { ...input, modelId } });
  expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(res.body.errors?.[0]?.message).toMatch(message);
});

const IMPORT = 'mutation($m: ID!, $j: String!) { importPrompts(model: $m, jsonl: $j) { created skipped } }';

it('importPrompts stores new lines once, with new knowledge types', async () => {
  const jsonl = ['{"prompt": "Bananas are usually", "answer": " yellow", "knowledgeType": "fruit-colour"}', '',
    '{"text": "Grass is usually", "answer": " green", "knowledgeType": "fruit-colour"}'].join('\n');
  expect((await server.graphql(IMPORT, { m: modelId, j: jsonl }, annotator)).body.data.importPrompts).toEqual({ created: 2, skipped: 0 });
  expect((await server.graphql(IMPORT, { m: modelId, j: jsonl }, annotator)).body.data.importPrompts).toEqual({ created: 0, skipped: 2 });
  expect(await db.prisma.prompt.count({ where: { knowledgeType: { name: 'fruit-colour' } } })).toBe(2);
});

it.each([
  ['a line that is not JSON', '{"prompt": "ok one"}\n{nope', /line 2 is not valid JSON/, 'BAD_USER_INPUT'],
  ['a line without prompt or ids', '{"prompt": "ok two"}\n{"answer": " x"}', /line 2 needs/, 'BAD_USER_INPUT'],
  ['a line past the context', `{"prompt": "ok three"}\n{"prompt": "${'word '.repeat(200)}"}`, /line 2 must have 1 to 128 tokens/, 'BAD_USER_INPUT'],
  ['more than 5000 lines', Array.from({ length: 5001 }, (_, i) => `{"prompt": "p${i}"}`).join('\n'), /at most 5000/, 'BAD_USER_INPUT'],
])('EXPECTED FAILURE: importPrompts with %s stores nothing', async (_label, jsonl, message, code) => {
  const before = await db.prisma.prompt.count();
  const res = await server.graphql(IMPORT, { m: modelId, j: jsonl }, annotator);
  expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(await db.prisma.prompt.count()).toBe(before);
});

it('EXPECTED FAILURE: importPrompts without a key -> UNAUTHENTICATED', async () => {
  const res = await server.graphql(IMPORT, { m: modelId, j: '{"prompt": "x"}' });
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

it('npm run atlas -- import adds a file once, and names an unknown model', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atlas-import-'));
  try {
    const file = path.join(dir, 'p.jsonl');
    writeFileSync(file, '{"prompt": "Cherries are", "answer": " red"}\n{"prompt": "Snow is", "answer": " white"}\n');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', 'scripts/atlas.ts', 'import', ...args],
      { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: db.url } });
    const first = run('--model', 'knowledge-model', '--file', file, '--json');
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual({ created: 2, skipped: 0 });
    expect(JSON.parse(run('--model', 'knowledge-model', '--file', file, '--json').stdout)).toEqual({ created: 0, skipped: 2 });
    const unknown = run('--model', 'nope', '--file', file);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no model named "nope"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('bootstrap keeps a model whose files changed under a new name and registers the new files', async () => {
  const before = await db.prisma.model.findUniqueOrThrow({ where: { name: 'knowledge-model' } });
  await db.prisma.model.update({ where: { id: before.id }, data: { weightsChecksum: 'f'.repeat(64) } });
  const again = await bootstrapKnowledgeModel(db.prisma, engine, quiet, path.join(PROJECT_ROOT, '.cache'));
  expect(again.model.id).not.toBe(before.id);
  expect(again.model.weightsChecksum).toBe(before.weightsChecksum);
  expect((await db.prisma.model.findUniqueOrThrow({ where: { id: before.id } })).name).toBe(`knowledge-model@${'f'.repeat(12)}`);
  expect(again.imported.created).toBeGreaterThan(400);
}, 120_000);
