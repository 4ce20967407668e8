// Query.models, Query.model, Query.knowledgeTypes and the Model / KnowledgeType types.
import { modelConfigOf } from '../prompt-import.js';
import type { KnowledgeTypeResolvers, ModelResolvers, MutationResolvers, QueryResolvers } from '../generated/graphql.js';
import { requireRole } from '../auth/require-role.js';
import { JOB_KINDS } from '../jobs.js';
import { registerModel } from '../model-registry.js';
import { notFound } from '../errors.js';
import { fromGlobalId, toGlobalId } from '../relay.js';

export const modelQueries: Pick<QueryResolvers, 'models' | 'model' | 'knowledgeTypes'> = {
  models: (_parent, _args, { prisma }) => prisma.model.findMany({ orderBy: { name: 'asc' } }),
  model: async (_parent, args, { loaders }) => {
    const found = await loaders.modelById.load(fromGlobalId(args.id, 'Model'));
    if (found === null) throw notFound('Model', args.id);
    return found;
  },
  knowledgeTypes: (_parent, _args, { prisma }) => prisma.knowledgeType.findMany({ orderBy: { name: 'asc' } }),
};

export const modelMutations: Pick<MutationResolvers, 'registerModel'> = {
  registerModel: async (_parent, args, context) => {
    requireRole(context, 'ADMIN');
    const { model, created } = await registerModel(context.prisma, context.engine, context.modelRoots, args.path, args.name);
    // A new model's projection index is built in the background (search by projected token).
    if (created && context.jobs !== null) await context.jobs.enqueue(JOB_KINDS.indexProjections, { modelId: model.id });
    return model;
  },
};

export const Model: ModelResolvers = {
  id: (parent) => toGlobalId('Model', parent.id),
  // The enum comes from the row.
  config: (parent) => ({ ...modelConfigOf(parent), architecture: parent.architecture }),
};

export const KnowledgeType: KnowledgeTypeResolvers = {
  id: (parent) => toGlobalId('KnowledgeType', parent.id),
};
