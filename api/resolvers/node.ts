// Query.node: any object by global ID, and the Node interface's type resolution.
import { notFound } from '../errors.js';
import { decodeGlobalId } from '../relay.js';
import type { Context } from '../context.js';
import type { RootResolver } from './types.js';

type Fetch = (id: number, context: Context) => Promise<object | null>;

/** Node types by name: how to fetch one. Domains add their types here. */
const FETCHERS: Readonly<Record<string, Fetch>> = {
  Model: (id, { loaders }) => loaders.modelById.load(id),
  KnowledgeType: (id, { loaders }) => loaders.knowledgeTypeById.load(id),
  Prompt: (id, { prisma }) => prisma.prompt.findUnique({ where: { id } }),
};

const TYPE_OF = Symbol('nodeType');

const node: RootResolver<{ id: string }, object> = async (_parent, args, context) => {
  const { type, id } = decodeGlobalId(args.id);
  const fetch = FETCHERS[type];
  const found = fetch === undefined ? null : await fetch(id, context);
  if (found === null) throw notFound(type, args.id);
  return Object.assign(found, { [TYPE_OF]: type });
};

export const nodeResolvers = {
  Query: { node },
  Node: {
    __resolveType: (parent: { [TYPE_OF]?: string }) => parent[TYPE_OF] ?? null,
  },
};
