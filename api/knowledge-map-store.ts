// Knowledge maps from stored runs: the latest SUCCEEDED log-prob-increase run per prompt of a
// knowledge type, read back into the engine's SentenceAttribution and aggregated by knowledgeMap().
import { knowledgeMap, type KnowledgeMap, type SentenceAttribution } from '../engine/index.js';
import type { PrismaClient } from './database/prisma.js';

/** The type's stored runs as per-sentence attributions (top `top` neurons of each list), by prompt id. */
async function storedSentenceAttributions(prisma: PrismaClient, modelId: number, knowledgeTypeId: number, top: number): Promise<SentenceAttribution[]> {
  const runs = await prisma.attributionRun.findMany({
    where: { modelId, method: 'LOG_PROB_INCREASE', status: 'SUCCEEDED', prompt: { knowledgeTypeId } },
    orderBy: [{ promptId: 'asc' }, { id: 'desc' }],
    select: { id: true, promptId: true },
  });
  const latest = [...new Map(runs.map((r) => [r.promptId, r.id] as const).reverse()).entries()].sort((a, b) => a[0] - b[0]);
  const runIds = latest.map(([, id]) => id);
  if (runIds.length === 0) return [];
  const [scores, layers, heads] = await Promise.all([
    prisma.neuronScore.findMany({
      where: { runId: { in: runIds }, rank: { lte: top } },
      orderBy: [{ runId: 'asc' }, { role: 'asc' }, { rank: 'asc' }],
      select: { runId: true, role: true, score: true, rank: true, sourcePosition: true, neuron: { select: { kind: true, layer: true, head: true, index: true } } },
    }),
    prisma.layerScore.findMany({ where: { runId: { in: runIds }, role: 'VALUE' }, orderBy: [{ runId: 'asc' }, { layer: 'asc' }] }),
    prisma.headScore.findMany({ where: { runId: { in: runIds }, role: 'VALUE', sourcePosition: null }, orderBy: [{ runId: 'asc' }, { layer: 'asc' }, { head: 'asc' }] }),
  ]);
  return latest.map(([promptId, runId]): SentenceAttribution => {
    const mine = scores.filter((s) => s.runId === runId);
    const byLayer = new Map<number, { layer: number; attention: number; ffn: number }>();
    for (const l of layers.filter((x) => x.runId === runId)) {
      const e = byLayer.get(l.layer) ?? { layer: l.layer, attention: 0, ffn: 0 };
      if (l.kind === 'ATTENTION') e.attention = l.score;
      else e.ffn = l.score;
      byLayer.set(l.layer, e);
    }
    return {
      id: String(promptId),
      knowledgeType: String(knowledgeTypeId),
      ffnNeurons: mine.filter((s) => s.role === 'VALUE' && s.neuron.kind === 'FFN').map((s) => ({ layer: s.neuron.layer, neuron: s.neuron.index, score: s.score })),
      attentionNeurons: mine.filter((s) => s.role === 'VALUE' && s.neuron.kind === 'ATTENTION')
        .map((s) => ({ layer: s.neuron.layer, head: s.neuron.head, dim: s.neuron.index, position: s.sourcePosition ?? -1, score: s.score })),
      layers: [...byLayer.values()].sort((a, b) => a.layer - b.layer),
      heads: heads.filter((h) => h.runId === runId).map(({ layer, head, score }) => ({ layer, head, score })),
      queryNeurons: mine.filter((s) => s.role === 'QUERY').map((s) => ({ layer: s.neuron.layer, neuron: s.neuron.index, score: s.score })),
    };
  });
}

/** The map of knowledge type `name` from stored runs; null when none of its prompts has one. */
export async function storedKnowledgeMap(prisma: PrismaClient, modelId: number, knowledgeType: { id: number; name: string }, top: number): Promise<KnowledgeMap | null> {
  const sentences = await storedSentenceAttributions(prisma, modelId, knowledgeType.id, top);
  if (sentences.length === 0) return null;
  return knowledgeMap(knowledgeType.name, sentences, { top, queryTop: top });
}
