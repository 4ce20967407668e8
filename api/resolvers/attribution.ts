// Query.attribution / Query.attribute, the AttributionRun type (score lists as Relay connections
// ranked best first), NeuronScore, and Neuron.projection through a per-request DataLoader.
import DataLoader from 'dataloader';
import { AttributionError, EngineInputError, targetFromText } from '../../engine/index.js';
import { attributionServiceFor, type RunSummary } from '../attribution-service.js';
import type { Context } from '../context.js';
import { badInput, notFound } from '../errors.js';
import { JOB_KINDS } from '../jobs.js';
import type {
  AttributionRunResolvers, AttributionTargetInput, NeuronResolvers, NeuronScoreResolvers, QueryResolvers,
} from '../generated/graphql.js';
import type { AttributionRun, Model, Neuron, NeuronScore, Prompt, VocabProjection } from '../generated/prisma/client.js';
import type { NeuronKind, ScoreRole } from '../generated/prisma/enums.js';
import { loadProjections, PROJECTION_DEPTH } from '../projections.js';
import { prepareTokens } from '../prompt-import.js';
import { fromGlobalId, parsePage, toConnection, toGlobalId, MAX_PAGE_SIZE } from '../relay.js';

/** The token id an AttributionTargetInput names; null: the model's top-1 prediction. Throws BAD_USER_INPUT / AttributionError. */
export function targetId(engine: Context['engine'], model: Model, target: AttributionTargetInput | null | undefined): number | null {
  if (target == null) return null;
  if ((target.tokenId == null) === (target.text == null)) throw badInput('target', 'give target.tokenId or target.text, not both');
  if (target.tokenId != null) return target.tokenId;
  const tokenizer = engine.tokenizer(model.sourcePath);
  if (tokenizer === null) throw badInput('target.text', `model ${model.name} has no tokenizer: give target.tokenId`);
  return targetFromText((t) => tokenizer.encode(t, { addSpecialTokens: false }), target.text ?? '');
}

async function runFor(context: Context, model: Model, prompt: Prompt, target: AttributionTargetInput | null | undefined,
  method: AttributionRun['method']): Promise<AttributionRun> {
  try {
    const service = attributionServiceFor(context.prisma, context.engine);
    const request = { model, prompt, targetTokenId: targetId(context.engine, model, target), method };
    if (context.jobs !== null && !context.engine.isLoaded(model.sourcePath)) {
      // Loading the model would hold the request: answer from the cache or hand the work to a job.
      const hit = await service.cached(request);
      if (hit !== null) return hit;
      const { run, created } = await service.pendingRow(request);
      if (created || run.status === 'FAILED') {
        // The row is PENDING before the job exists: a fast worker may replace it right after enqueue.
        const pending = run.status === 'FAILED'
          ? await context.prisma.attributionRun.update({ where: { id: run.id }, data: { status: 'PENDING', error: null } })
          : run;
        await context.jobs.enqueue(JOB_KINDS.attributeBatch, {
          modelId: model.id, promptIds: [prompt.id], method, targetTokenId: request.targetTokenId, pendingRunId: run.id,
        });
        return pending;
      }
      return run;
    }
    return await service.run(request);
  } catch (error) {
    if (error instanceof AttributionError || error instanceof EngineInputError) throw badInput('target', error.message);
    throw error;
  }
}

const attribution: QueryResolvers['attribution'] = async (_parent, args, context) => {
  // Prompts and models are not edited through the API: memoised, and primed into this request's loader.
  const memo = attributionServiceFor(context.prisma, context.engine).pages;
  const promptId = fromGlobalId(args.promptId, 'Prompt', 'promptId');
  const prompt = await memo.getOrLoad(`prompt:${promptId}`, () => context.prisma.prompt.findUnique({ where: { id: promptId } })) as Prompt | null;
  if (prompt === null) throw notFound('Prompt', args.promptId);
  if (prompt.modelId === null) throw badInput('promptId', 'the prompt belongs to no model: create it with modelId to attribute it');
  const modelId = prompt.modelId;
  const model = await memo.getOrLoad(`model:${modelId}`, () => context.loaders.modelById.load(modelId)) as Model | null;
  if (model === null) throw notFound('Model', String(prompt.modelId));
  context.loaders.modelById.prime(model.id, model);
  return runFor(context, model, prompt, args.target, args.method ?? 'LOG_PROB_INCREASE');
};

const attribute: QueryResolvers['attribute'] = async (_parent, { input }, context) => {
  const model = await context.loaders.modelById.load(fromGlobalId(input.model, 'Model', 'input.model'));
  if (model === null) throw notFound('Model', input.model);
  const tokens = prepareTokens(context.engine, model, input.text ?? null, input.tokenIds ?? null, 'input');
  const text = input.text ?? null;
  let prompt = await context.prisma.prompt.findFirst({ where: { modelId: model.id, text, tokenIds: { equals: tokens.tokenIds } }, orderBy: { id: 'asc' } });
  if (prompt === null) {
    const knowledgeTypeId = input.knowledgeType == null ? null
      : (await context.prisma.knowledgeType.upsert({ where: { name: input.knowledgeType }, create: { name: input.knowledgeType }, update: {} })).id;
    prompt = await context.prisma.prompt.create({
      data: { modelId: model.id, text, tokenIds: tokens.tokenIds, tokens: tokens.tokens, expectedAnswer: input.expectedAnswer ?? null, knowledgeTypeId },
    });
  }
  return runFor(context, model, prompt, input.target, input.method ?? 'LOG_PROB_INCREASE');
};

export const attributionQueries: Pick<QueryResolvers, 'attribution' | 'attribute'> = { attribution, attribute };

function scoresConnection(role: ScoreRole, kind: NeuronKind) {
  return async (run: AttributionRun, args: { first?: number | null; after?: string | null }, context: Context) => {
    const page = parsePage(args);
    const load = () => context.prisma.neuronScore.findMany({
      where: { runId: run.id, role, neuron: { kind }, ...(page.afterId === null ? {} : { rank: { gt: page.afterId } }) },
      orderBy: { rank: 'asc' },
      take: page.take + 1,
      include: { neuron: true },
    });
    // A SUCCEEDED run's scores never change: pages are memoised, neurons primed into the request's loader.
    const key = `scores:${run.id}:${role}:${kind}:${page.afterId ?? 0}:${page.take}`;
    const rows = (run.status === 'SUCCEEDED'
      ? await attributionServiceFor(context.prisma, context.engine).pages.getOrLoad(key, load)
      : await load()) as Awaited<ReturnType<typeof load>>;
    for (const r of rows) context.loaders.neuronById.prime(r.neuronId, r.neuron);
    return toConnection(rows, page, (row) => row.rank);
  };
}

const summaryOf = (run: AttributionRun): RunSummary => run.summary as unknown as RunSummary;

function checkFirst(first: number | null | undefined, max: number): number {
  const n = first ?? 20;
  if (n < 0 || n > max) throw badInput('first', `first must be in [0, ${max}]: got ${n}`);
  return n;
}

async function tokenText(context: Context, modelId: number, id: number): Promise<string | null> {
  const model = await context.loaders.modelById.load(modelId);
  return model === null ? null : context.engine.tokenizer(model.sourcePath)?.tokenText(id) ?? null;
}

export const AttributionRunType: AttributionRunResolvers = {
  id: (run) => toGlobalId('AttributionRun', run.id),
  model: async (run, _args, { loaders }) => (await loaders.modelById.load(run.modelId)) ?? Promise.reject(new Error(`internal: model ${run.modelId} missing`)),
  prompt: async (run, _args, { prisma }) => prisma.prompt.findUniqueOrThrow({ where: { id: run.promptId } }),
  target: async (run, _args, context) => {
    if (run.summary === null) return null;
    const t = summaryOf(run).target;
    return { tokenId: t.id, text: await tokenText(context, run.modelId, t.id), prob: t.prob, logProb: t.logProb, rank: t.rank };
  },
  job: (run, _args, { prisma }) => prisma.job.findFirst({ where: { runId: run.id }, orderBy: { id: 'desc' } }),
  topPredictions: async (run, _args, context) => Promise.all((run.summary === null ? [] : summaryOf(run).topPredictions).map(async (p) => ({
    tokenId: p.id, prob: p.prob, text: await tokenText(context, run.modelId, p.id),
  }))),
  ffnNeurons: scoresConnection('VALUE', 'FFN'),
  attentionNeurons: scoresConnection('VALUE', 'ATTENTION'),
  queryNeurons: scoresConnection('QUERY', 'FFN'),
  layers: async (run, _args, { prisma }) => layerRows(prisma, run.id, 'VALUE'),
  queryLayers: async (run, _args, { prisma }) => layerRows(prisma, run.id, 'QUERY'),
  heads: async (run, args, { prisma }) => prisma.headScore.findMany({
    where: { runId: run.id, role: 'VALUE', sourcePosition: null }, orderBy: { score: 'desc' }, take: checkFirst(args.first, MAX_PAGE_SIZE),
  }),
  headPositions: async (run, args, { prisma }) => prisma.headScore.findMany({
    where: { runId: run.id, role: 'VALUE', sourcePosition: { not: null } }, orderBy: { score: 'desc' }, take: checkFirst(args.first, MAX_PAGE_SIZE),
  }),
  timings: (run) => Object.entries((run.timings ?? {}) as Record<string, number>).map(([phase, ms]) => ({ phase, ms })),
};

async function layerRows(prisma: Context['prisma'], runId: number, role: ScoreRole) {
  const rows = await prisma.layerScore.findMany({ where: { runId, role }, orderBy: { layer: 'asc' } });
  const layers = new Map<number, { layer: number; attention: number; ffn: number }>();
  for (const r of rows) {
    const l = layers.get(r.layer) ?? { layer: r.layer, attention: 0, ffn: 0 };
    if (r.kind === 'FFN') l.ffn = r.score;
    else l.attention = r.score;
    layers.set(r.layer, l);
  }
  return [...layers.values()];
}

export const NeuronScoreType: NeuronScoreResolvers = {
  neuron: async (score, _args, { loaders }) => (await loaders.neuronById.load(score.neuronId)) ?? Promise.reject(new Error(`internal: neuron ${score.neuronId} missing`)),
};

const projectionLoaders = new WeakMap<Context['loaders'], DataLoader<Neuron, VocabProjection[]>>();

/** The request's projection loader: one SELECT (and at most one compute + INSERT) per batch of neurons. */
function projectionLoader(context: Context): DataLoader<Neuron, VocabProjection[]> {
  let loader = projectionLoaders.get(context.loaders);
  if (loader === undefined) {
    loader = new DataLoader(async (neurons: readonly Neuron[]) => {
      const modelIds = [...new Set(neurons.map((n) => n.modelId))];
      const models = new Map<number, Model>();
      for (const m of await Promise.all(modelIds.map((id) => context.loaders.modelById.load(id)))) if (m !== null) models.set(m.id, m);
      return loadProjections(context.prisma, context.engine, neurons, models);
    }, { cacheKeyFn: (n) => n.id });
    projectionLoaders.set(context.loaders, loader);
  }
  return loader;
}

export const NeuronProjection: Pick<NeuronResolvers, 'projection'> = {
  projection: async (neuron, args, context) => {
    const first = args.first ?? 10;
    if (first < 1 || first > PROJECTION_DEPTH) throw badInput('first', `first must be in [1, ${PROJECTION_DEPTH}]: got ${first}`);
    const side = args.side ?? 'TOP';
    return (await projectionLoader(context).load(neuron)).filter((p) => p.side === side).slice(0, first)
      .map((p) => ({ rank: p.rank, tokenId: p.tokenId, text: p.token, logit: p.logit }));
  },
};

export type { NeuronScore };
