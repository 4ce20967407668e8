// Query.annotation, the annotation mutations (ANNOTATOR+), Annotation, and Neuron.annotations.
import type { AnnotationResolvers, MutationResolvers, NeuronResolvers, QueryResolvers } from '../generated/graphql.js';
import { createAnnotation, deleteAnnotation, updateAnnotation } from '../annotations.js';
import { requireRole } from '../auth/require-role.js';
import { notFound } from '../errors.js';
import type { AnnotationWhereInput } from '../generated/prisma/models.js';
import { fromGlobalId, parsePage, toConnection, toGlobalId } from '../relay.js';

export const annotationQueries: Pick<QueryResolvers, 'annotation' | 'annotations'> = {
  annotation: async (_parent, args, { loaders }) => {
    const found = await loaders.annotationById.load(fromGlobalId(args.id, 'Annotation'));
    if (found === null) throw notFound('Annotation', args.id);
    return found;
  },
  annotations: async (_parent, args, { prisma }) => {
    const page = parsePage(args);
    const filter = args.filter ?? {};
    const where: AnnotationWhereInput = {
      ...(filter.neuronId == null ? {} : { neuronId: fromGlobalId(filter.neuronId, 'Neuron', 'filter.neuronId') }),
      ...(filter.author == null ? {} : { author: filter.author }),
      ...(filter.tag == null ? {} : { tags: { has: filter.tag } }),
      ...(filter.labelContains == null ? {} : { label: { contains: filter.labelContains, mode: 'insensitive' } }),
      ...(page.afterId === null ? {} : { id: { gt: page.afterId } }),
    };
    return toConnection(await prisma.annotation.findMany({ where, orderBy: { id: 'asc' }, take: page.take + 1 }), page);
  },
};

export const annotationMutations: Pick<MutationResolvers, 'createAnnotation' | 'updateAnnotation' | 'deleteAnnotation'> = {
  createAnnotation: (_parent, { input }, context) => {
    const caller = requireRole(context, 'ANNOTATOR');
    const neuronId = fromGlobalId(input.neuronId, 'Neuron', 'input.neuronId');
    return createAnnotation(context.prisma, caller, neuronId, { label: input.label, note: input.note ?? null, tags: input.tags ?? [] }, input.neuronId);
  },
  updateAnnotation: (_parent, { input }, context) => {
    const caller = requireRole(context, 'ANNOTATOR');
    const id = fromGlobalId(input.id, 'Annotation', 'input.id');
    // A field left out is absent from `input`; an explicit null is present (only `note` may be cleared).
    return updateAnnotation(context.prisma, caller, id, input.expectedVersion, {
      label: input.label ?? undefined,
      note: 'note' in input ? input.note ?? null : undefined,
      tags: input.tags ?? undefined,
    }, input.id);
  },
  deleteAnnotation: async (_parent, args, context) => {
    requireRole(context, 'ANNOTATOR');
    await deleteAnnotation(context.prisma, fromGlobalId(args.id, 'Annotation'), args.expectedVersion, args.id);
    return { deletedId: args.id };
  },
};

export const Annotation: AnnotationResolvers = {
  id: (parent) => toGlobalId('Annotation', parent.id),
  neuron: async (parent, _args, { loaders }) => {
    const neuron = await loaders.neuronById.load(parent.neuronId);
    if (neuron === null) throw notFound('Neuron', toGlobalId('Neuron', parent.neuronId));
    return neuron;
  },
  revisions: (parent, _args, { loaders }) => loaders.revisionsByAnnotationId.load(parent.id),
};

export const neuronAnnotationFields: Pick<NeuronResolvers, 'annotations'> = {
  annotations: (parent, _args, { loaders }) => loaders.annotationsByNeuronId.load(parent.id),
};
