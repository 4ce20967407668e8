// Mistral and Qwen2 configs over Llama-layout tensors: same forward pass as Llama (Qwen2 with its
// q/k/v biases), with the context capped at the sliding window.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forward, loadModel } from '../../engine/index.js';
import { writeRandomCheckpoint, type HfTensor, type RandomCheckpointSpec } from '../../scripts/lib/random-checkpoint.js';
import { naiveForward } from '../reference/naive-forward.js';
import { expectClose, makeTempDir, naiveConfigOf, removeDir } from './helpers.js';

const SPEC: RandomCheckpointSpec = {
  architecture: 'llama', nLayers: 2, dModel: 16, nHeads: 4, nKvHeads: 2, dMlp: 24, dVocab: 30, nCtx: 16, std: 0.4, seed: 41,
  randomAffine: true, attentionBias: true,
};
const IDS = [3, 8, 1, 29, 4];

describe.each([
  ['MistralForCausalLM', { sliding_window: 6 }, 6],
  ['Qwen2ForCausalLM', { use_sliding_window: true, sliding_window: 5 }, 5],
  ['Qwen2ForCausalLM', { use_sliding_window: false, sliding_window: 5 }, 16],
] as const)('%s %j', (arch, extra, nCtx) => {
  let dir: string;
  let hf: Map<string, HfTensor>;
  beforeAll(() => {
    dir = makeTempDir();
    hf = writeRandomCheckpoint(dir, SPEC);
    const cfgPath = join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, ...extra, architectures: [arch], model_type: arch.replace('ForCausalLM', '').toLowerCase() }));
  });
  afterAll(() => removeDir(dir));

  it('computes the Llama forward pass and caps the context at the window', async () => {
    const model = await loadModel(dir);
    try {
      expect(model.config).toMatchObject({ architecture: 'llama', hfArchitecture: arch, nCtx });
      const ids = IDS.slice(0, Math.min(IDS.length, nCtx));
      const ref = naiveForward(naiveConfigOf(SPEC), hf, ids);
      expectClose((await forward(model, ids)).get('logits').data, ref.get('logits')!, 1e-4, 'logits');
      const tooLong = Array.from({ length: nCtx + 1 }, (_, i) => i % 30);
      await expect(forward(model, tooLong)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    } finally {
      await model.dispose();
    }
  });
});
