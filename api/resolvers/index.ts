// Every resolver of the schema, typed by the generated Resolvers map (api/generated/graphql.ts).
import type { Resolvers } from '../generated/graphql.js';
import { Annotation, annotationMutations, annotationQueries, neuronAnnotationFields } from './annotation.js';
import { experimentQueries } from './experiments.js';
import { attributionQueries, AttributionRunType, NeuronProjection, NeuronScoreType } from './attribution.js';
import { healthQueries } from './health.js';
import { interventionQueries } from './intervention.js';
import { jobMutations, jobQueries, jobSubscriptions, JobType } from './jobs.js';
import { NeuronHit, NeuronPageFields, neuronSearchQueries } from './neuron-search.js';
import { ApiKey, keyMutations, keyQueries } from './keys.js';
import { KnowledgeType, Model, modelMutations, modelQueries } from './model.js';
import { Neuron } from './neuron.js';
import { Node, nodeQueries } from './node.js';
import { Prompt, promptMutations, promptQueries } from './prompt.js';
import { DateTime } from './scalars.js';

/** The resolver map handed to Apollo Server. */
export const resolvers: Resolvers = {
  DateTime,
  Query: { ...healthQueries, ...nodeQueries, ...modelQueries, ...promptQueries, ...keyQueries, ...annotationQueries, ...attributionQueries, ...neuronSearchQueries, ...experimentQueries, ...jobQueries, ...interventionQueries },
  Mutation: { ...promptMutations, ...keyMutations, ...annotationMutations, ...modelMutations, ...jobMutations },
  Subscription: jobSubscriptions,
  Node,
  Model,
  KnowledgeType,
  Prompt,
  ApiKey,
  Neuron: { ...Neuron, ...neuronAnnotationFields, ...NeuronProjection, ...NeuronPageFields },
  NeuronHit,
  Job: JobType,
  AttributionRun: AttributionRunType,
  NeuronScore: NeuronScoreType,
  Annotation,
};
