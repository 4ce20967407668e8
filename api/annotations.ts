// Annotation writes with optimistic concurrency: every edit names the version it read, and one
// conditional UPDATE ... WHERE version = expected decides, in the transaction that appends the revision.
import type { Caller } from './auth/caller.js';
import type { PrismaClient } from './database/prisma.js';
import type { Annotation } from './generated/prisma/client.js';
import { apiError, badInput, ErrorCode, notFound } from './errors.js';

/** Limits on annotation fields (characters; tags per annotation). */
const ANNOTATION_LIMITS = Object.freeze({ label: 200, note: 10_000, tags: 32, tag: 64 });

export interface AnnotationFields {
  readonly label?: string | undefined;
  /** undefined keeps the note, null clears it. */
  readonly note?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
}

/** Trims and checks the fields present; tags are trimmed and deduplicated in order. Throws BAD_USER_INPUT. */
function normaliseFields(fields: AnnotationFields): { label?: string; note?: string | null; tags?: string[] } {
  const out: { label?: string; note?: string | null; tags?: string[] } = {};
  if (fields.label !== undefined) {
    const label = fields.label.trim();
    if (label.length < 1 || label.length > ANNOTATION_LIMITS.label) {
      throw badInput('input.label', `input.label must have 1 to ${ANNOTATION_LIMITS.label} characters: got ${label.length}`);
    }
    out.label = label;
  }
  if (fields.note !== undefined) {
    if (fields.note !== null && fields.note.length > ANNOTATION_LIMITS.note) {
      throw badInput('input.note', `input.note must have at most ${ANNOTATION_LIMITS.note} characters: got ${fields.note.length}`);
    }
    out.note = fields.note === null || fields.note.trim() === '' ? null : fields.note;
  }
  if (fields.tags !== undefined) {
    const tags = [...new Set(fields.tags.map((tag) => tag.trim()))];
    if (tags.length > ANNOTATION_LIMITS.tags) {
      throw badInput('input.tags', `input.tags must have at most ${ANNOTATION_LIMITS.tags} tags: got ${tags.length}`);
    }
    const bad = tags.findIndex((tag) => tag.length < 1 || tag.length > ANNOTATION_LIMITS.tag);
    if (bad >= 0) throw badInput('input.tags', `input.tags[${bad}] must have 1 to ${ANNOTATION_LIMITS.tag} characters: got ${tags[bad]?.length}`);
    out.tags = tags;
  }
  return out;
}

/** Creates an annotation at version 1 with its first revision. NOT_FOUND when the neuron is absent. */
export async function createAnnotation(
  prisma: PrismaClient, caller: Caller, neuronId: number, fields: AnnotationFields & { label: string }, neuronGlobalId: string,
): Promise<Annotation> {
  const { label = '', note = null, tags = [] } = normaliseFields(fields);
  return prisma.$transaction(async (tx) => {
    if ((await tx.neuron.findUnique({ where: { id: neuronId }, select: { id: true } })) === null) throw notFound('Neuron', neuronGlobalId);
    const row = await tx.annotation.create({ data: { neuronId, label, note, tags, author: caller.name, apiKeyId: caller.apiKeyId } });
    await tx.annotationRevision.create({ data: { annotationId: row.id, version: 1, author: caller.name, label, note, tags } });
    return row;
  });
}

function conflict(globalId: string, expected: number, current: number): Error {
  return apiError(ErrorCode.CONFLICT, `annotation ${globalId} is at version ${current}, not ${expected}: reload it and apply the edit again`,
    { expectedVersion: expected, currentVersion: current });
}

/**
 * Applies `fields` to annotation `id` if it is still at `expectedVersion`, and appends the revision
 * of the new version, in one transaction. Throws CONFLICT (nothing written) for a stale version,
 * NOT_FOUND when the annotation is gone.
 */
export async function updateAnnotation(
  prisma: PrismaClient, caller: Caller, id: number, expectedVersion: number, fields: AnnotationFields, globalId: string,
): Promise<Annotation> {
  const changes = normaliseFields(fields);
  return prisma.$transaction(async (tx) => {
    // The row lock taken by this UPDATE serialises concurrent edits; under READ COMMITTED the
    // second one re-checks `version` after the first commits and matches no row.
    const { count } = await tx.annotation.updateMany({
      where: { id, version: expectedVersion },
      data: { ...changes, author: caller.name, apiKeyId: caller.apiKeyId, version: { increment: 1 } },
    });
    if (count === 0) {
      const current = await tx.annotation.findUnique({ where: { id }, select: { version: true } });
      if (current === null) throw notFound('Annotation', globalId);
      throw conflict(globalId, expectedVersion, current.version);
    }
    const row = await tx.annotation.findUniqueOrThrow({ where: { id } });
    await tx.annotationRevision.create({
      data: { annotationId: id, version: row.version, author: caller.name, label: row.label, note: row.note, tags: row.tags },
    });
    return row;
  });
}

/** Deletes annotation `id` (and its revisions) if it is still at `expectedVersion`. CONFLICT / NOT_FOUND otherwise. */
export async function deleteAnnotation(prisma: PrismaClient, id: number, expectedVersion: number, globalId: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.annotation.deleteMany({ where: { id, version: expectedVersion } });
    if (count === 0) {
      const current = await tx.annotation.findUnique({ where: { id }, select: { version: true } });
      if (current === null) throw notFound('Annotation', globalId);
      throw conflict(globalId, expectedVersion, current.version);
    }
  });
}
