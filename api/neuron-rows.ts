// Neuron rows on demand: runs and projections reference neurons by id, created the first time a
// neuron is seen (one INSERT ... ON CONFLICT DO NOTHING and one SELECT for any number of them).
import type { Prisma } from './generated/prisma/client.js';
import type { NeuronKind } from './generated/prisma/enums.js';

/** A neuron's natural key within a model; FFN neurons have head -1. */
export interface NeuronKey {
  readonly kind: NeuronKind;
  readonly layer: number;
  readonly head: number;
  readonly index: number;
}

type Db = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

/** Ids of the neurons `keys` of model `modelId` (same order, duplicates allowed), creating missing rows. */
export async function ensureNeurons(db: Db, modelId: number, keys: readonly NeuronKey[]): Promise<number[]> {
  if (keys.length === 0) return [];
  const kinds = keys.map((k) => k.kind);
  const layers = keys.map((k) => k.layer);
  const heads = keys.map((k) => k.head);
  const indices = keys.map((k) => k.index);
  await db.$executeRaw`
    INSERT INTO "Neuron" ("modelId", "kind", "layer", "head", "index")
    SELECT ${modelId}, k::"NeuronKind", l, h, i FROM unnest(${kinds}::text[], ${layers}::int[], ${heads}::int[], ${indices}::int[]) AS t(k, l, h, i)
    ON CONFLICT ("modelId", "kind", "layer", "head", "index") DO NOTHING`;
  const rows = await db.$queryRaw<{ id: number; kind: string; layer: number; head: number; index: number }[]>`
    SELECT n."id", n."kind"::text AS kind, n."layer", n."head", n."index" FROM "Neuron" n
    JOIN unnest(${kinds}::text[], ${layers}::int[], ${heads}::int[], ${indices}::int[]) AS t(k, l, h, i)
      ON n."modelId" = ${modelId} AND n."kind" = t.k::"NeuronKind" AND n."layer" = t.l AND n."head" = t.h AND n."index" = t.i`;
  const byKey = new Map(rows.map((r) => [`${r.kind}:${r.layer}:${r.head}:${r.index}`, r.id]));
  return keys.map((k) => {
    const id = byKey.get(`${k.kind}:${k.layer}:${k.head}:${k.index}`);
    if (id === undefined) throw new Error(`internal: neuron ${k.kind} ${k.layer}/${k.head}/${k.index} was not created`);
    return id;
  });
}
