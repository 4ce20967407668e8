// Every resolver of the schema, merged per type.
import { healthResolvers } from './health.js';
import { modelResolvers } from './model.js';
import { nodeResolvers } from './node.js';
import { promptResolvers } from './prompt.js';
import { DateTime } from './scalars.js';

/** The resolver map handed to Apollo Server. */
export const resolvers = {
  DateTime,
  Query: { ...healthResolvers.Query, ...nodeResolvers.Query, ...modelResolvers.Query, ...promptResolvers.Query },
  Mutation: { ...promptResolvers.Mutation },
  Node: nodeResolvers.Node,
  Model: modelResolvers.Model,
  KnowledgeType: modelResolvers.KnowledgeType,
  Prompt: promptResolvers.Prompt,
};
