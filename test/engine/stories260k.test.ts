// stories260K (real Llama shapes, GQA 8/4, tied embeddings) against llama2.c's run.c: greedy ids
// and logits at every recorded position. Skips when ../shared is absent (fresh clones).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forward, loadModel, type LoadedModel } from '../../engine/index.js';
import { sharedModelDir } from '../support/shared-models.js';
import { expectClose } from './helpers.js';

const DIR = sharedModelDir('stories260K');
const present = existsSync(join(DIR, 'reference.json'));
if (!present) {
  console.warn(`stories260K test skipped: ${DIR}/reference.json not found (set STORIES260K_DIR to run it)`);
}

interface Case {
  prompt_ids: number[];
  greedy_ids: number[];
  logits: Record<string, number[]>;
}

(present ? describe : describe.skip)('stories260K vs llama2.c run.c', () => {
  const cases: Case[] = present ? (JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as { cases: Case[] }).cases : [];
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel(DIR);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('has three cases', () => {
    expect(cases).toHaveLength(3);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: greedy continuation equals the reference', async (_i, c) => {
    const seq = [...c.prompt_ids];
    for (let step = 0; step < c.greedy_ids.length; step++) {
      const logits = (await forward(model, seq, { hooks: ['logits'] })).get('logits');
      const V = logits.shape[1];
      const last = logits.data.subarray((seq.length - 1) * V, seq.length * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (last[v] > last[best]) best = v;
      seq.push(best);
    }
    expect(seq.slice(c.prompt_ids.length)).toEqual(c.greedy_ids);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: logits at every recorded position within 5e-4', async (_i, c) => {
    const seq = [...c.prompt_ids, ...c.greedy_ids];
    const positions = Object.keys(c.logits).map(Number);
    const T = Math.max(...positions) + 1;
    const logits = (await forward(model, seq.slice(0, T), { hooks: ['logits'] })).get('logits');
    const V = logits.shape[1];
    for (const p of positions) {
      expectClose(logits.data.subarray(p * V, (p + 1) * V), c.logits[String(p)], 5e-4, `logits at position ${p}`);
    }
  });
});
