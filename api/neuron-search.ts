// Neuron search in SQL: filters on kind, layers, vocabulary projection (VocabProjection TOP rows),
// annotations; with a knowledge type, per-neuron aggregates over the stored runs of that type's
// prompts (how many prompts have it among their stored top value neurons, how often, mean score).
import type { PrismaClient } from './database/prisma.js';
import { Prisma } from './generated/prisma/client.js';
import type { NeuronKind } from './generated/prisma/enums.js';

/** Sort orders of neurons(). */
export type NeuronOrder = 'POSITION' | 'PROMPT_COUNT' | 'MEAN_SCORE' | 'PROJECTION_LOGIT';

export interface NeuronSearch {
  readonly modelId: number;
  readonly kind: NeuronKind | null;
  readonly layers: readonly number[] | null;
  readonly knowledgeTypeId: number | null;
  /** Token ids the neuron must have among its top projected tokens (any of them). */
  readonly projectsTo: readonly number[] | null;
  readonly annotated: boolean | null;
  /** Case-insensitive substring of an annotation label. */
  readonly label: string | null;
  readonly orderBy: NeuronOrder;
  readonly offset: number;
  readonly take: number;
}

/** One hit: the neuron id and, with a knowledge type, its statistics over that type's runs. */
export interface NeuronHit {
  readonly id: number;
  readonly promptCount: number | null;
  readonly occurrences: number | null;
  readonly meanScore: number | null;
  readonly projectionLogit: number | null;
}

/** Runs the search: at most `take` hits after `offset`, in `orderBy` order (ties by position). */
export async function searchNeurons(prisma: PrismaClient, s: NeuronSearch): Promise<NeuronHit[]> {
  const where: Prisma.Sql[] = [Prisma.sql`n."modelId" = ${s.modelId}`];
  if (s.kind !== null) where.push(Prisma.sql`n."kind" = ${s.kind}::"NeuronKind"`);
  if (s.layers !== null) where.push(Prisma.sql`n."layer" = ANY(${[...s.layers]}::int[])`);
  if (s.annotated === true) where.push(Prisma.sql`EXISTS (SELECT 1 FROM "Annotation" a WHERE a."neuronId" = n."id")`);
  if (s.annotated === false) where.push(Prisma.sql`NOT EXISTS (SELECT 1 FROM "Annotation" a WHERE a."neuronId" = n."id")`);
  if (s.label !== null) {
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM "Annotation" a WHERE a."neuronId" = n."id" AND a."label" ILIKE ${`%${s.label.replace(/[\\%_]/g, '\\$&')}%`})`);
  }
  // The projected-token filter is a derived table: the (modelId, tokenId) index yields the matching
  // rows once, grouped per neuron with their best logit (no per-neuron subquery).
  const projection = s.projectsTo === null ? Prisma.sql`NULL::float8` : Prisma.sql`pv.logit`;
  const projectionJoin = s.projectsTo === null ? Prisma.sql`` : Prisma.sql`
    JOIN (SELECT v."neuronId", MAX(v."logit")::float8 AS logit FROM "VocabProjection" v
          WHERE v."modelId" = ${s.modelId} AND v."tokenId" = ANY(${[...s.projectsTo]}::int[]) AND v."side" = 'TOP'
          GROUP BY v."neuronId") pv ON pv."neuronId" = n."id"`;
  const stats = s.knowledgeTypeId === null ? Prisma.sql`` : Prisma.sql`
    JOIN (SELECT sc."neuronId", COUNT(DISTINCT r."promptId")::int AS prompts, COUNT(*)::int AS occurrences, AVG(sc."score")::float8 AS mean
          FROM "NeuronScore" sc
          JOIN "AttributionRun" r ON r."id" = sc."runId" AND r."status" = 'SUCCEEDED' AND r."modelId" = ${s.modelId}
          JOIN "Prompt" p ON p."id" = r."promptId" AND p."knowledgeTypeId" = ${s.knowledgeTypeId}
          WHERE sc."role" = 'VALUE'
          GROUP BY sc."neuronId") st ON st."neuronId" = n."id"`;
  const statCols = s.knowledgeTypeId === null
    ? Prisma.sql`NULL::int AS prompts, NULL::int AS occurrences, NULL::float8 AS mean`
    : Prisma.sql`st.prompts, st.occurrences, st.mean`;
  const position = Prisma.sql`n."layer", n."kind", n."head", n."index"`;
  const order = {
    POSITION: position,
    PROMPT_COUNT: s.knowledgeTypeId === null ? position : Prisma.sql`st.prompts DESC, st.mean DESC, ${position}`,
    MEAN_SCORE: s.knowledgeTypeId === null ? position : Prisma.sql`st.mean DESC, ${position}`,
    PROJECTION_LOGIT: s.projectsTo === null ? position : Prisma.sql`pv.logit DESC, ${position}`,
  }[s.orderBy];
  const rows = await prisma.$queryRaw<{ id: number; prompts: number | null; occurrences: number | null; mean: number | null; projection: number | null }[]>`
    SELECT n."id", ${statCols}, ${projection} AS projection
    FROM "Neuron" n ${projectionJoin} ${stats}
    WHERE ${Prisma.join(where, ' AND ')}
    ORDER BY ${order}
    LIMIT ${s.take} OFFSET ${s.offset}`;
  return rows.map((r) => ({ id: r.id, promptCount: r.prompts, occurrences: r.occurrences, meanScore: r.mean, projectionLogit: r.projection }));
}

/** Per knowledge type statistics of one neuron over the stored runs (types without runs omitted). */
export async function neuronTypeStats(prisma: PrismaClient, neuronId: number) {
  return prisma.$queryRaw<{ knowledgeTypeId: number; prompts: number; occurrences: number; mean: number; typePrompts: number }[]>`
    SELECT p."knowledgeTypeId" AS "knowledgeTypeId", COUNT(DISTINCT r."promptId")::int AS prompts, COUNT(*)::int AS occurrences,
           AVG(sc."score")::float8 AS mean,
           (SELECT COUNT(DISTINCT r2."promptId")::int FROM "AttributionRun" r2 JOIN "Prompt" p2 ON p2."id" = r2."promptId"
             WHERE p2."knowledgeTypeId" = p."knowledgeTypeId" AND r2."modelId" = MIN(r."modelId") AND r2."status" = 'SUCCEEDED') AS "typePrompts"
    FROM "NeuronScore" sc
    JOIN "AttributionRun" r ON r."id" = sc."runId" AND r."status" = 'SUCCEEDED'
    JOIN "Prompt" p ON p."id" = r."promptId"
    WHERE sc."neuronId" = ${neuronId} AND sc."role" = 'VALUE' AND p."knowledgeTypeId" IS NOT NULL
    GROUP BY p."knowledgeTypeId"
    ORDER BY prompts DESC`;
}

/** The prompts a neuron matters most for: its best value scores, one per prompt. */
export async function neuronTopPrompts(prisma: PrismaClient, neuronId: number, take: number) {
  return prisma.$queryRaw<{ promptId: number; runId: number; score: number; rank: number }[]>`
    SELECT DISTINCT ON (r."promptId") r."promptId" AS "promptId", r."id" AS "runId", sc."score", sc."rank"
    FROM "NeuronScore" sc JOIN "AttributionRun" r ON r."id" = sc."runId" AND r."status" = 'SUCCEEDED'
    WHERE sc."neuronId" = ${neuronId} AND sc."role" = 'VALUE'
    ORDER BY r."promptId", sc."score" DESC`.then((rows) => rows.sort((a, b) => b.score - a.score).slice(0, take));
}
