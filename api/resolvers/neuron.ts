// The Neuron type (minimal: identity and model; the neuron search change adds projections and statistics).
import type { NeuronResolvers } from '../generated/graphql.js';
import { notFound } from '../errors.js';
import { toGlobalId } from '../relay.js';

export const Neuron: NeuronResolvers = {
  id: (parent) => toGlobalId('Neuron', parent.id),
  // head is stored as -1 for FFN neurons.
  head: (parent) => (parent.head < 0 ? null : parent.head),
  model: async (parent, _args, { loaders }) => {
    const model = await loaders.modelById.load(parent.modelId);
    if (model === null) throw notFound('Model', toGlobalId('Model', parent.modelId));
    return model;
  },
};
