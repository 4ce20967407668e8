// Query.models, Query.model, Query.knowledgeTypes and the Model / KnowledgeType types.
import type { ModelConfig } from '../../engine/types.js';
import type { KnowledgeType, Model } from '../generated/prisma/client.js';
import { notFound } from '../errors.js';
import { fromGlobalId, toGlobalId } from '../relay.js';
import type { FieldResolver, RootResolver } from './types.js';

const models: RootResolver<Record<string, never>, Model[]> = (_parent, _args, { prisma }) =>
  prisma.model.findMany({ orderBy: { name: 'asc' } });

const model: RootResolver<{ id: string }, Model> = async (_parent, args, { loaders }) => {
  const found = await loaders.modelById.load(fromGlobalId(args.id, 'Model'));
  if (found === null) throw notFound('Model', args.id);
  return found;
};

const knowledgeTypes: RootResolver<Record<string, never>, KnowledgeType[]> = (_parent, _args, { prisma }) =>
  prisma.knowledgeType.findMany({ orderBy: { name: 'asc' } });

// The stored JSON is the engine's ModelConfig (written by the model loader).
const config: FieldResolver<Model, unknown, Omit<ModelConfig, 'architecture'> & { architecture: string }> = (parent) => ({
  ...(parent.config as unknown as ModelConfig),
  architecture: parent.architecture,
});

export const modelResolvers = {
  Query: { models, model, knowledgeTypes },
  Model: {
    id: (parent: Model) => toGlobalId('Model', parent.id),
    config,
  },
  KnowledgeType: {
    id: (parent: KnowledgeType) => toGlobalId('KnowledgeType', parent.id),
  },
};
