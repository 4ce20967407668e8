// The API end to end on a checkpoint this project did not generate: stories260K (Llama, GQA 8/4,
// from ../shared/models) registered over HTTP, a prompt by token ids, its attribution and an
// ablation. The target's probability and the top predictions are checked against logits from
// llama2.c's run.c (reference.json), an independent C implementation. Skips when ../shared is absent.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createApiKey } from '../../api/auth/api-keys.js';
import { EngineService } from '../../api/engine-service.js';
import { expectClose } from '../engine/helpers.js';
import { sharedModelDir } from '../support/shared-models.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const DIR = sharedModelDir('stories260K');
const ROOT = path.dirname(DIR);
const present = existsSync(path.join(DIR, 'reference.json'));
if (!present) console.warn(`test/api/real-checkpoint.test.ts skipped: ${DIR}/reference.json not found (../shared is absent on fresh clones)`);

interface Case { prompt_ids: number[]; greedy_ids: number[]; logits: Record<string, number[]> }

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exp = logits.map((x) => Math.exp(x - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

(present ? describe : describe.skip)('stories260K through the API', () => {
  let db: TestDatabase;
  let engine: EngineService;
  let server: TestServer;
  let admin: Record<string, string>;
  let modelId: string;
  const cases: Case[] = present ? (JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as { cases: Case[] }).cases : [];

  beforeAll(async () => {
    db = await createTestDatabase();
    engine = new EngineService({ memoryBytes: 64 * 1024 * 1024 });
    server = await startTestServer(db.prisma, { engine, modelRoots: [ROOT] });
    admin = { authorization: `Bearer ${(await createApiKey(db.prisma, 'admin', 'ADMIN')).key}` };
    const reg = await server.graphql('mutation($p: String!) { registerModel(path: $p, name: "stories260K") { id architecture config { nHeads nKvHeads dVocab } } }',
      { p: path.basename(DIR) }, admin);
    expect(reg.body.errors).toBeUndefined();
    expect(reg.body.data.registerModel).toMatchObject({ architecture: 'LLAMA', config: { nHeads: 8, nKvHeads: 4, dVocab: 512 } });
    modelId = reg.body.data.registerModel.id;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await engine?.close();
    await db?.drop();
  });

  it.each([0, 1, 2])('case %i: attribution target and top predictions equal run.c\'s softmax; ablating the top neurons lowers the target', async (i) => {
    const c = cases[i]!;
    const created = await server.graphql('mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }', { i: { modelId, tokenIds: c.prompt_ids } }, admin);
    expect(created.body.errors).toBeUndefined();
    const promptId = created.body.data.createPrompt.id;
    const res = await server.graphql(`query($p: ID!) { attribution(promptId: $p) {
      id status target { tokenId prob rank } topPredictions { tokenId prob }
      ffnNeurons(first: 3) { edges { node { score neuron { layer index } } } }
      attentionNeurons(first: 3) { edges { node { score neuron { layer head index } } } } } }`, { p: promptId });
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.attribution;
    const reference = softmax(c.logits[String(c.prompt_ids.length - 1)]!);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.target).toMatchObject({ tokenId: c.greedy_ids[0], rank: 1 });
    const ids = run.topPredictions.map((p: { tokenId: number }) => p.tokenId);
    expectClose([run.target.prob, ...run.topPredictions.map((p: { prob: number }) => p.prob)],
      [reference[c.greedy_ids[0]!]!, ...ids.map((t: number) => reference[t]!)], 1e-4, 'API probabilities vs run.c softmax');
    expect(ids[0]).toBe(c.greedy_ids[0]);
    expect(run.ffnNeurons.edges).toHaveLength(3);
    expect(run.attentionNeurons.edges[0].node.neuron.head).toBeGreaterThanOrEqual(0);

    const ablation = await server.graphql(`query($p: ID!, $r: ID!) { intervention(promptId: $p, ablate: { run: $r, topFfn: 10, topAttention: 10 }) {
      target { prob } after { prob } control { prob } } }`, { p: promptId, r: run.id });
    expect(ablation.body.errors).toBeUndefined();
    const { target, after, control } = ablation.body.data.intervention;
    expectClose([target.prob], [run.target.prob], 1e-9, 'intervention before vs attribution');
    expect(after.prob).toBeLessThan(target.prob);
    process.stdout.write(`stories260K case ${i}: p ${target.prob.toFixed(4)} -> ${after.prob.toFixed(4)} (random control ${control.prob.toFixed(4)})\n`);
  }, 60_000);
});
