// API keys: random secrets shown once, stored as a SHA-256 hash plus a short display prefix.
// Used by the GraphQL mutations and by `npm run atlas -- keys`.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../database/prisma.js';
import type { ApiKey, ApiRole } from '../generated/prisma/client.js';
import { badInput, notFound } from '../errors.js';

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs). */
const KEY_PREFIX = 'na_';
/** Characters of a key kept in clear (the `prefix` column) to tell keys apart in listings. */
const SHOWN_CHARS = KEY_PREFIX.length + 8;
/** Roles from least to most privileged; each includes the ones before it. */
const API_ROLES: readonly ApiRole[] = ['READER', 'ANNOTATOR', 'ADMIN'];
const NAME_MAX = 64;

/** SHA-256 (hex) of a key: what the database stores and looks keys up by. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key: `na_` + 32 random bytes in base64url (43 characters), its hash and display prefix. */
function generateApiKey(): { key: string; keyHash: string; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, keyHash: hashApiKey(key), prefix: key.slice(0, SHOWN_CHARS) };
}

/** Parses a role name (case-insensitive); BAD_USER_INPUT naming `argumentName` otherwise. */
export function parseRole(raw: string, argumentName = 'role'): ApiRole {
  const role = API_ROLES.find((r) => r === raw.trim().toUpperCase());
  if (role === undefined) throw badInput(argumentName, `${argumentName} must be one of ${API_ROLES.join(', ')}: got ${JSON.stringify(raw)}`);
  return role;
}

/** True when `role` grants at least `required`. */
export function roleAtLeast(role: ApiRole, required: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(required);
}

/**
 * Stores a new key named `name` (1-64 characters after trimming) with `role`. Returns the row and
 * the secret, which is never stored and cannot be shown again. Throws BAD_USER_INPUT on a bad name.
 */
export async function createApiKey(prisma: PrismaClient, name: string, role: ApiRole): Promise<{ apiKey: ApiKey; key: string }> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > NAME_MAX) {
    throw badInput('name', `name must have 1 to ${NAME_MAX} characters: got ${trimmed.length}`);
  }
  const { key, keyHash, prefix } = generateApiKey();
  const apiKey = await prisma.apiKey.create({ data: { name: trimmed, role, keyHash, prefix } });
  return { apiKey, key };
}

/** Marks key `id` revoked (idempotent: the first revocation time is kept). NOT_FOUND (naming `shownId`) when absent. */
export async function revokeApiKey(prisma: PrismaClient, id: number, shownId = String(id)): Promise<ApiKey> {
  await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await prisma.apiKey.findUnique({ where: { id } });
  if (row === null) throw notFound('ApiKey', shownId);
  return row;
}
