// Who is calling: the API key behind an `Authorization: Bearer <key>` header, resolved once per request.
import type { PrismaClient } from '../database/prisma.js';
import type { ApiRole } from '../generated/prisma/client.js';
import { apiError, ErrorCode } from '../errors.js';
import { hashApiKey } from './api-keys.js';

/** The authenticated caller of a request. */
export interface Caller {
  readonly apiKeyId: number;
  /** The key's name: the author of what the caller writes. */
  readonly name: string;
  readonly role: ApiRole;
}

/** lastUsedAt is written at most this often per key, so reads do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The caller for `token` (null when the request carries no key). An unknown or revoked key is
 * UNAUTHENTICATED: a wrong key is never silently treated as anonymous.
 */
export async function resolveCaller(prisma: PrismaClient, token: string | null): Promise<Caller | null> {
  if (token === null) return null;
  const row = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(token) } });
  if (row === null || row.revokedAt !== null) {
    throw apiError(ErrorCode.UNAUTHENTICATED, row === null ? 'unknown API key' : `API key ${row.prefix}… was revoked`);
  }
  const now = Date.now();
  if (row.lastUsedAt === null || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  return { apiKeyId: row.id, name: row.name, role: row.role };
}
