// Query.intervention: the prompt run as is and with neurons zeroed at every position (stored
// neurons and/or a run's best value neurons), plus a seeded random control of the same size.
import {
  ablationMasks, AttributionError, checkTargetId, EngineInputError, forward, randomNeurons, targetStats, topPrediction, type LoadedModel,
} from '../../engine/index.js';
import { STORED_TOP } from '../attribution-service.js';
import type { Context } from '../context.js';
import { badInput, notFound } from '../errors.js';
import type { AblationInput, QueryResolvers } from '../generated/graphql.js';
import type { Model, Neuron, Prompt } from '../generated/prisma/client.js';
import { fromGlobalId } from '../relay.js';
import { targetId } from './attribution.js';

/** Most stored neurons one ablation names. */
const MAX_ABLATED_NEURONS = 1000;

function count(name: string, value: number | null | undefined): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > STORED_TOP) throw badInput(`ablate.${name}`, `ablate.${name} must be in [0, ${STORED_TOP}]: got ${n}`);
  return n;
}

/** The neurons an AblationInput names (validated against the prompt's model), FFN first, without repeats. */
async function ablatedNeurons(context: Context, model: Model, ablate: AblationInput): Promise<Neuron[]> {
  const topFfn = count('topFfn', ablate.topFfn);
  const topAttention = count('topAttention', ablate.topAttention);
  const ids = ablate.neurons ?? [];
  if (ids.length > MAX_ABLATED_NEURONS) throw badInput('ablate.neurons', `at most ${MAX_ABLATED_NEURONS} neurons: got ${ids.length}`);
  const given = await Promise.all(ids.map(async (gid) => {
    const neuron = await context.loaders.neuronById.load(fromGlobalId(gid, 'Neuron', 'ablate.neurons'));
    if (neuron === null) throw notFound('Neuron', gid);
    if (neuron.modelId !== model.id) throw badInput('ablate.neurons', `neuron ${gid} belongs to another model than the prompt's (${model.name})`);
    return neuron;
  }));
  const fromRun: Neuron[] = [];
  if (ablate.run == null) {
    if (topFfn + topAttention > 0) throw badInput('ablate.run', 'topFfn and topAttention take the best neurons of a run: give ablate.run');
  } else {
    const run = await context.prisma.attributionRun.findUnique({ where: { id: fromGlobalId(ablate.run, 'AttributionRun', 'ablate.run') } });
    if (run === null) throw notFound('AttributionRun', ablate.run);
    if (run.modelId !== model.id) throw badInput('ablate.run', `run ${ablate.run} is of another model than the prompt's (${model.name})`);
    if (run.status !== 'SUCCEEDED') throw badInput('ablate.run', `run ${ablate.run} is ${run.status}: only a SUCCEEDED run has ranked neurons`);
    const ffn = await context.prisma.neuronScore.findMany({
      where: { runId: run.id, role: 'VALUE', neuron: { kind: 'FFN' }, rank: { lte: topFfn } }, orderBy: { rank: 'asc' }, include: { neuron: true },
    });
    // Attention value neurons are ranked per source position: keep each neuron's best rank, topAttention of them.
    const attention = topAttention === 0 ? [] : await context.prisma.neuronScore.findMany({
      where: { runId: run.id, role: 'VALUE', neuron: { kind: 'ATTENTION' } }, orderBy: { rank: 'asc' }, include: { neuron: true },
    });
    const seen = new Set<number>();
    const distinct = attention.filter((s) => !seen.has(s.neuronId) && seen.add(s.neuronId)).slice(0, topAttention);
    fromRun.push(...ffn.map((s) => s.neuron), ...distinct.map((s) => s.neuron));
  }
  const unique = new Map<number, Neuron>();
  for (const n of [...given, ...fromRun]) unique.set(n.id, n);
  const all = [...unique.values()];
  if (all.length === 0) throw badInput('ablate', 'nothing to ablate: give ablate.neurons, or ablate.run with topFfn or topAttention');
  return [...all.filter((n) => n.kind === 'FFN'), ...all.filter((n) => n.kind === 'ATTENTION')];
}

async function runIntervention(m: LoadedModel, prompt: Prompt, target: number | null, neurons: readonly Neuron[],
  control: boolean, controlSeed: number) {
  const ids = prompt.tokenIds;
  if (target !== null) checkTargetId(m.config, target);
  const ffn = neurons.filter((n) => n.kind === 'FFN').map((n) => ({ layer: n.layer, neuron: n.index }));
  const attention = neurons.filter((n) => n.kind === 'ATTENTION').map((n) => ({ layer: n.layer, head: n.head, dim: n.index }));
  const clean = await forward(m, ids, { hooks: ['logits'] });
  const t = target ?? topPrediction(clean);
  const before = targetStats(clean, t);
  const ablated = await forward(m, ids, { hooks: ['logits'], masks: ablationMasks(m, ffn, attention) });
  const after = targetStats(ablated, t);
  if (!control) return { target: t, before, after, control: null, controlNeurons: [] };
  const random = randomNeurons(m.config, { ffn: ffn.length, attention: attention.length }, controlSeed, `prompt:${prompt.id}`);
  const controlled = await forward(m, ids, { hooks: ['logits'], masks: ablationMasks(m, random.ffn, random.attention) });
  return {
    target: t, before, after, control: targetStats(controlled, t),
    controlNeurons: [
      ...random.ffn.map((n) => ({ kind: 'FFN' as const, layer: n.layer, head: null, index: n.neuron })),
      ...random.attention.map((n) => ({ kind: 'ATTENTION' as const, layer: n.layer, head: n.head, index: n.dim })),
    ],
  };
}

const intervention: QueryResolvers['intervention'] = async (_parent, args, context) => {
  const promptId = fromGlobalId(args.promptId, 'Prompt', 'promptId');
  const prompt = await context.prisma.prompt.findUnique({ where: { id: promptId } });
  if (prompt === null) throw notFound('Prompt', args.promptId);
  const model = prompt.modelId === null ? null : await context.loaders.modelById.load(prompt.modelId);
  if (model === null || prompt.tokenIds.length === 0) throw badInput('promptId', 'the prompt belongs to no model: create it with modelId to run it');
  const neurons = await ablatedNeurons(context, model, args.ablate);
  try {
    const target = targetId(context.engine, model, args.target);
    const r = await context.engine.withModel(model.sourcePath, (m) => runIntervention(m, prompt, target, neurons, args.control ?? true, args.controlSeed ?? 0));
    const text = context.engine.tokenizer(model.sourcePath)?.tokenText(r.target) ?? null;
    return {
      prompt, neurons, after: r.after, control: r.control, controlNeurons: r.controlNeurons,
      target: { tokenId: r.target, text, ...r.before }, logProbChange: r.after.logProb - r.before.logProb,
    };
  } catch (error) {
    if (error instanceof AttributionError || error instanceof EngineInputError) throw badInput('target', error.message);
    throw error;
  }
};

export const interventionQueries: Pick<QueryResolvers, 'intervention'> = { intervention };
