// Request-scoped DataLoaders: every relation field resolves through one, so a page of N prompts
// costs one query per relation, not N (DataLoader's README: one cache per request).
import DataLoader from 'dataloader';
import type { KnowledgeType, Model } from './generated/prisma/client.js';
import type { PrismaClient } from './database/prisma.js';

export interface Loaders {
  readonly modelById: DataLoader<number, Model | null>;
  readonly knowledgeTypeById: DataLoader<number, KnowledgeType | null>;
}

function byId<T extends { id: number }>(rows: readonly T[], ids: readonly number[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
}

/** Fresh loaders for one request. */
export function createLoaders(prisma: PrismaClient): Loaders {
  return {
    modelById: new DataLoader(async (ids) => byId(await prisma.model.findMany({ where: { id: { in: [...ids] } } }), ids)),
    knowledgeTypeById: new DataLoader(async (ids) => byId(await prisma.knowledgeType.findMany({ where: { id: { in: [...ids] } } }), ids)),
  };
}
