// Evaluations as jobs: `evaluate` queues the paper's ablation comparison on pg-boss, a worker runs it
// over the model's stored prompts, and the stored report equals the engine run directly on the same
// sentences; bad input is refused before anything is queued.
import { createApiKey } from '../../api/auth/api-keys.js';
import type { EngineService } from '../../api/engine-service.js';
import { fromGlobalId } from '../../api/relay.js';
import { evaluateSentences, filterDataset, firstPerType, parseMethod, type ConditionResult } from '../../engine/index.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestDatabase } from '../support/test-database.js';
import type { TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;
let engine: EngineService;
let api: KnowledgeApi;
let model: string;
let modelId: number;
let annotator: Record<string, string>;
// Small sizes for a 4-layer model: the paper's 1000 query neurons would be a quarter of its FFN.
const SETTINGS = { knowledgeType: 'language', perType: 2, k: 2, methods: ['a', 'e'], valueAttention: 5, valueFfn: 2, queryNeurons: 22, seed: 7 };

beforeAll(async () => {
  api = await startKnowledgeApi({ jobs: { expireSeconds: 600, retryLimit: 1 } });
  ({ db, server, engine, modelId: model } = api);
  modelId = api.model.id;
  annotator = { authorization: `Bearer ${(await createApiKey(db.prisma, 'ann', 'ANNOTATOR')).key}` };
}, 300_000);

afterAll(async () => {
  await api?.close();
});

const EVALUATE = 'mutation($i: EvaluationInput!) { evaluate(input: $i) { id kind status } }';

async function finished(id: string): Promise<{ status: string; result: string | null; error: string | null }> {
  for (const end = Date.now() + 240_000; Date.now() < end;) {
    const res = await server.graphql('query($id: ID!) { job(id: $id) { status result error } }', { id });
    const job = res.body.data.job as { status: string; result: string | null; error: string | null };
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`job ${id} did not finish`);
}

it('stores the report of a queued evaluation, equal to the engine run on the same sentences', async () => {
  const res = await server.graphql(EVALUATE, { i: { model, ...SETTINGS } }, annotator);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.evaluate).toMatchObject({ kind: 'evaluate', status: 'QUEUED' });
  const job = await finished(res.body.data.evaluate.id);
  expect(job.error).toBeNull();
  expect(job.status).toBe('SUCCEEDED');
  const stored = JSON.parse(job.result ?? 'null') as { evaluated: number; filter: { kept: number; total: number }; conditions: ConditionResult[] };
  expect(stored.evaluated).toBe(2);

  // Independent path: the same prompts straight from the database through the engine.
  const prompts = await db.prisma.prompt.findMany({ where: { modelId, knowledgeType: { name: 'language' } }, orderBy: { id: 'asc' } });
  const { sourcePath } = await db.prisma.model.findUniqueOrThrow({ where: { id: modelId } });
  const direct = await engine.withModel(sourcePath, async (m) => {
    const records = prompts.map((p) => ({ id: String(p.id), knowledgeType: 'language', tokenIds: p.tokenIds, answer: p.expectedAnswer ?? '' }));
    const { kept, report } = await filterDataset(m, records);
    const rep = await evaluateSentences(m, firstPerType(kept, 2), { ...SETTINGS, methods: SETTINGS.methods.map((x) => parseMethod(x)), mapTop: 0 });
    return { filter: report, conditions: rep.conditions };
  });
  expect(stored.filter).toEqual(JSON.parse(JSON.stringify(direct.filter)));
  expect(stored.conditions).toEqual(JSON.parse(JSON.stringify(direct.conditions)));
  // The paper's method must hurt the answer more than its same-size random control.
  // The method table's control is one random draw of k FFN neurons per sentence.
  const byName = (name: string) => {
    const found = stored.conditions.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no condition ${name} in ${stored.conditions.map((c) => c.name).join(', ')}`);
    return found.overall.decreasePct.mrr;
  };
  expect(byName(direct.conditions[0].name)).toBeGreaterThan(byName(`random-top-${SETTINGS.k}`));
  expect(byName('value-neurons')).toBeGreaterThan(byName('random-value-neurons'));
  expect(fromGlobalId(res.body.data.evaluate.id, 'Job')).toBeGreaterThan(0);
}, 300_000);

it.each([
  ['perType 0', { perType: 0 }, 'BAD_USER_INPUT'],
  ['an unknown method', { methods: ['z'] }, 'BAD_USER_INPUT'],
  ['an unknown knowledge type', { knowledgeType: 'astrology' }, 'NOT_FOUND'],
])('EXPECTED FAILURE: %s -> %s, nothing queued', async (_what, patch, code) => {
  const before = await db.prisma.job.count({ where: { kind: 'evaluate' } });
  const res = await server.graphql(EVALUATE, { i: { model, ...SETTINGS, ...patch } }, annotator);
  expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(await db.prisma.job.count({ where: { kind: 'evaluate' } })).toBe(before);
});

it('an evaluation cancelled while it runs stops inside the engine loop and stores no report; the next one runs', async () => {
  const long = await server.graphql(EVALUATE, { i: { model, perType: 30, seed: 3 } }, annotator);
  const id = long.body.data.evaluate.id as string;
  for (const end = Date.now() + 120_000; ;) {
    const res = await server.graphql('query($id: ID!) { job(id: $id) { status progress } }', { id });
    if (res.body.data.job.progress > 0.05) break; // inside the engine's filter loop
    if (Date.now() > end || res.body.data.job.status !== 'RUNNING' && res.body.data.job.status !== 'QUEUED') throw new Error(`no progress: ${JSON.stringify(res.body.data.job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cancelledAt = Date.now();
  const cancel = await server.graphql('mutation($id: ID!) { cancelJob(id: $id) { status } }', { id }, annotator);
  expect(cancel.body.errors).toBeUndefined();
  expect(cancel.body.data.cancelJob.status).toBe('CANCELLED');
  const next = await server.graphql(EVALUATE, { i: { model, ...SETTINGS } }, annotator);
  expect((await finished(next.body.data.evaluate.id)).status).toBe('SUCCEEDED');
  const stopped = await server.graphql('query($id: ID!) { job(id: $id) { status progress result attempts } }', { id });
  expect(stopped.body.data.job).toMatchObject({ status: 'CANCELLED', result: null, attempts: 1 });
  expect(stopped.body.data.job.progress).toBeLessThan(0.2);
  process.stdout.write(`evaluation cancelled at progress ${stopped.body.data.job.progress.toFixed(3)}; the next one finished ${((Date.now() - cancelledAt) / 1000).toFixed(1)} s after the cancel\n`);
}, 240_000);

it('EXPECTED FAILURE: without a key -> UNAUTHENTICATED', async () => {
  const res = await server.graphql(EVALUATE, { i: { model, ...SETTINGS } });
  expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});
