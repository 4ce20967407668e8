// Query.node: any object by global ID, and the Node interface's type resolution.
import type { Context } from '../context.js';
import type { NodeResolvers, QueryResolvers, ResolversInterfaceTypes, ResolversTypes } from '../generated/graphql.js';
import { notFound } from '../errors.js';
import { decodeGlobalId } from '../relay.js';

type NodeType = ReturnType<NodeResolvers['__resolveType']> extends infer T ? Extract<Awaited<T>, string> : never;
type NodeRow = ResolversInterfaceTypes<ResolversTypes>['Node'];

/** How to fetch each Node type by row id. Domains add their types here. */
const FETCHERS: { readonly [T in NodeType]: (id: number, context: Context) => Promise<NodeRow | null> } = {
  Model: (id, { loaders }) => loaders.modelById.load(id),
  KnowledgeType: (id, { loaders }) => loaders.knowledgeTypeById.load(id),
  Prompt: (id, { prisma }) => prisma.prompt.findUnique({ where: { id } }),
  Neuron: (id, { loaders }) => loaders.neuronById.load(id),
  Annotation: (id, { loaders }) => loaders.annotationById.load(id),
  AttributionRun: (id, { prisma }) => prisma.attributionRun.findUnique({ where: { id } }),
  Job: (id, { prisma }) => prisma.job.findUnique({ where: { id } }),
};

const TYPE_OF = Symbol('nodeType');

function isNodeType(type: string): type is NodeType {
  return Object.hasOwn(FETCHERS, type);
}

export const nodeQueries: Pick<QueryResolvers, 'node'> = {
  node: async (_parent, args, context) => {
    const { type, id } = decodeGlobalId(args.id);
    const found = isNodeType(type) ? await FETCHERS[type](id, context) : null;
    if (found === null || !isNodeType(type)) throw notFound(type, args.id);
    return Object.assign(found, { [TYPE_OF]: type });
  },
};

export const Node: NodeResolvers = {
  // Every object reaching Node comes from nodeQueries.node, which tags it.
  __resolveType: (parent) => (parent as { [TYPE_OF]?: NodeType })[TYPE_OF] ?? null,
};
