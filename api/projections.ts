// Vocabulary projections of neurons (top/bottom tokens of W_U u): read from VocabProjection rows,
// or computed through the engine for neurons without rows and stored, so a page of N neurons
// costs one SELECT (plus one INSERT when some were missing).
import { projectNeuron, type NeuronRef } from '../engine/index.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import type { Model, Neuron, VocabProjection } from './generated/prisma/client.js';

/** Token text as stored in PostgreSQL text columns: NUL (a GPT-2 byte token) becomes U+2400. */
export function storableText(text: string): string {
  return text.replace(/\0/g, '\u2400');
}

/** Tokens stored per side and neuron (the search index depth). */
export const PROJECTION_DEPTH = 20;

/** The engine's reference to a stored neuron. */
function neuronRef(n: Neuron): NeuronRef {
  return n.kind === 'FFN' ? { kind: 'ffn', layer: n.layer, neuron: n.index } : { kind: 'attention', layer: n.layer, head: n.head, dim: n.index };
}

/**
 * Projection rows of each neuron (TOP then BOTTOM, by rank), computing and storing the missing
 * ones through `engine` (`models` must hold every neuron's model).
 */
export async function loadProjections(prisma: PrismaClient, engine: EngineService, neurons: readonly Neuron[],
  models: ReadonlyMap<number, Model>): Promise<VocabProjection[][]> {
  const ids = neurons.map((n) => n.id);
  const rows = await prisma.vocabProjection.findMany({ where: { neuronId: { in: ids } }, orderBy: [{ neuronId: 'asc' }, { side: 'desc' }, { rank: 'asc' }] });
  const byNeuron = new Map<number, VocabProjection[]>(ids.map((id) => [id, []]));
  for (const r of rows) byNeuron.get(r.neuronId)?.push(r);
  const missing = neurons.filter((n) => (byNeuron.get(n.id)?.length ?? 0) === 0);
  if (missing.length > 0) {
    const created = await computeProjections(engine, missing, models);
    await prisma.vocabProjection.createMany({ data: created, skipDuplicates: true });
    for (const r of created) byNeuron.get(r.neuronId)?.push({ ...r, id: 0n, token: r.token ?? null });
  }
  return ids.map((id) => byNeuron.get(id) ?? []);
}

type NewProjection = Omit<VocabProjection, 'id'>;

async function computeProjections(engine: EngineService, neurons: readonly Neuron[], models: ReadonlyMap<number, Model>): Promise<NewProjection[]> {
  const out: NewProjection[] = [];
  const byModel = new Map<number, Neuron[]>();
  for (const n of neurons) byModel.set(n.modelId, [...(byModel.get(n.modelId) ?? []), n]);
  for (const [modelId, group] of byModel) {
    const model = models.get(modelId);
    if (model === undefined) throw new Error(`internal: model ${modelId} of a neuron was not loaded`);
    const tokenizer = engine.tokenizer(model.sourcePath);
    await engine.withModel(model.sourcePath, async (m) => {
      for (const n of group) {
        const p = await projectNeuron(m, neuronRef(n), PROJECTION_DEPTH);
        for (const [side, list] of [['TOP', p.top], ['BOTTOM', p.bottom]] as const) {
          list.forEach((t, r) => out.push({
            modelId, neuronId: n.id, side, rank: r + 1, tokenId: t.id, token: tokenizer === null ? null : storableText(tokenizer.tokenText(t.id)), logit: t.logit,
          }));
        }
      }
    });
  }
  return out;
}
