// Request-scoped DataLoaders: every relation field resolves through one, so a page of N prompts
// costs one query per relation, not N (DataLoader's README: one cache per request).
import DataLoader from 'dataloader';
import type { Annotation, AnnotationRevision, KnowledgeType, Model, Neuron } from './generated/prisma/client.js';
import type { PrismaClient } from './database/prisma.js';

export interface Loaders {
  readonly modelById: DataLoader<number, Model | null>;
  readonly knowledgeTypeById: DataLoader<number, KnowledgeType | null>;
  readonly neuronById: DataLoader<number, Neuron | null>;
  readonly annotationById: DataLoader<number, Annotation | null>;
  /** Annotations of a neuron, oldest first. */
  readonly annotationsByNeuronId: DataLoader<number, Annotation[]>;
  /** Revisions of an annotation, by version. */
  readonly revisionsByAnnotationId: DataLoader<number, AnnotationRevision[]>;
}

function byId<T extends { id: number }>(rows: readonly T[], ids: readonly number[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
}

function groupBy<T>(rows: readonly T[], keys: readonly number[], keyOf: (row: T) => number): T[][] {
  const groups = new Map<number, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

/** Fresh loaders for one request. */
export function createLoaders(prisma: PrismaClient): Loaders {
  return {
    modelById: new DataLoader(async (ids) => byId(await prisma.model.findMany({ where: { id: { in: [...ids] } } }), ids)),
    knowledgeTypeById: new DataLoader(async (ids) => byId(await prisma.knowledgeType.findMany({ where: { id: { in: [...ids] } } }), ids)),
    neuronById: new DataLoader(async (ids) => byId(await prisma.neuron.findMany({ where: { id: { in: [...ids] } } }), ids)),
    annotationById: new DataLoader(async (ids) => byId(await prisma.annotation.findMany({ where: { id: { in: [...ids] } } }), ids)),
    annotationsByNeuronId: new DataLoader(async (ids) => groupBy(
      await prisma.annotation.findMany({ where: { neuronId: { in: [...ids] } }, orderBy: { id: 'asc' } }), ids, (row) => row.neuronId)),
    revisionsByAnnotationId: new DataLoader(async (ids) => groupBy(
      await prisma.annotationRevision.findMany({ where: { annotationId: { in: [...ids] } }, orderBy: { version: 'asc' } }), ids, (row) => row.annotationId)),
  };
}
