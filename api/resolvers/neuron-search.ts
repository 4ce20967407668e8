// Query.neurons (search with statistics), Query.neuron, and the neuron page fields
// (statsByKnowledgeType, topPrompts).
import type { Context } from '../context.js';
import { badInput, notFound } from '../errors.js';
import type { NeuronHitResolvers, NeuronResolvers, QueryResolvers, TokenInput } from '../generated/graphql.js';
import type { Model } from '../generated/prisma/client.js';
import { neuronTopPrompts, neuronTypeStats, searchNeurons } from '../neuron-search.js';
import { modelConfigOf } from '../prompt-import.js';
import { fromGlobalId, parsePage, toConnection, MAX_PAGE_SIZE } from '../relay.js';

/** Token ids matching `token` for `model`: the id, or the text with and without a leading space. */
function tokenIds(context: Context, model: Model, token: TokenInput): number[] {
  if ((token.tokenId == null) === (token.text == null)) throw badInput('filter.projectsTo', 'give projectsTo.tokenId or projectsTo.text, not both');
  if (token.tokenId != null) {
    const V = modelConfigOf(model).dVocab;
    if (token.tokenId < 0 || token.tokenId >= V) throw badInput('filter.projectsTo.tokenId', `tokenId must be in [0, ${V}): got ${token.tokenId}`);
    return [token.tokenId];
  }
  const tokenizer = context.engine.tokenizer(model.sourcePath);
  if (tokenizer === null) throw badInput('filter.projectsTo.text', `model ${model.name} has no tokenizer: give projectsTo.tokenId`);
  const text = token.text ?? '';
  const ids = [text, text.startsWith(' ') ? text.slice(1) : ` ${text}`].flatMap((t) => {
    const enc = t === '' ? [] : tokenizer.encode(t, { addSpecialTokens: false });
    return enc.length === 1 ? enc : [];
  });
  if (ids.length === 0) throw badInput('filter.projectsTo.text', `${JSON.stringify(text)} is not a single token of model ${model.name}`);
  return ids;
}

const neurons: QueryResolvers['neurons'] = async (_parent, args, context) => {
  const page = parsePage(args);
  const model = await context.loaders.modelById.load(fromGlobalId(args.model, 'Model', 'model'));
  if (model === null) throw notFound('Model', args.model);
  const f = args.filter ?? {};
  let knowledgeTypeId: number | null = null;
  if (f.knowledgeType != null) {
    const type = await context.prisma.knowledgeType.findUnique({ where: { name: f.knowledgeType } });
    if (type === null) throw notFound('KnowledgeType', f.knowledgeType);
    knowledgeTypeId = type.id;
  }
  const orderBy = args.orderBy ?? 'POSITION';
  if ((orderBy === 'PROMPT_COUNT' || orderBy === 'MEAN_SCORE') && knowledgeTypeId === null) throw badInput('orderBy', `orderBy ${orderBy} needs filter.knowledgeType`);
  if (orderBy === 'PROJECTION_LOGIT' && f.projectsTo == null) throw badInput('orderBy', 'orderBy PROJECTION_LOGIT needs filter.projectsTo');
  // Cursors are offsets into the ordered result (the order is not by id).
  const offset = page.afterId ?? 0;
  const hits = await searchNeurons(context.prisma, {
    modelId: model.id, kind: f.kind ?? null, layers: f.layers ?? null, knowledgeTypeId,
    projectsTo: f.projectsTo == null ? null : tokenIds(context, model, f.projectsTo),
    annotated: f.annotated ?? null, label: f.label ?? null, orderBy, offset, take: page.take + 1,
  });
  return toConnection(hits, page, (_hit, i) => offset + i + 1);
};

const neuron: QueryResolvers['neuron'] = async (_parent, args, { loaders }) => {
  const found = await loaders.neuronById.load(fromGlobalId(args.id, 'Neuron'));
  if (found === null) throw notFound('Neuron', args.id);
  return found;
};

export const neuronSearchQueries: Pick<QueryResolvers, 'neurons' | 'neuron'> = { neurons, neuron };

export const NeuronHit: NeuronHitResolvers = {
  neuron: async (hit, _args, { loaders }) =>
    (await loaders.neuronById.load(hit.id)) ?? Promise.reject(new Error(`internal: neuron ${hit.id} missing`)),
};

export const NeuronPageFields: Pick<NeuronResolvers, 'statsByKnowledgeType' | 'topPrompts'> = {
  statsByKnowledgeType: async (n, _args, { prisma, loaders }) => Promise.all((await neuronTypeStats(prisma, n.id)).map(async (s) => ({
    knowledgeType: (await loaders.knowledgeTypeById.load(s.knowledgeTypeId)) ?? Promise.reject(new Error('internal: knowledge type missing')),
    promptCount: s.prompts, occurrences: s.occurrences, meanScore: s.mean, typePromptCount: s.typePrompts,
  }))),
  topPrompts: async (n, args, { prisma }) => {
    const first = args.first ?? 10;
    if (first < 0 || first > MAX_PAGE_SIZE) throw badInput('first', `first must be in [0, ${MAX_PAGE_SIZE}]: got ${first}`);
    const rows = await neuronTopPrompts(prisma, n.id, first);
    const [prompts, runs] = await Promise.all([
      prisma.prompt.findMany({ where: { id: { in: rows.map((r) => r.promptId) } } }),
      prisma.attributionRun.findMany({ where: { id: { in: rows.map((r) => r.runId) } } }),
    ]);
    return rows.flatMap((r) => {
      const prompt = prompts.find((p) => p.id === r.promptId);
      const run = runs.find((x) => x.id === r.runId);
      return prompt && run ? [{ prompt, run, score: r.score, rank: r.rank }] : [];
    });
  },
};
