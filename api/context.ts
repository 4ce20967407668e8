// The per-request GraphQL context.
import type { IncomingHttpHeaders } from 'node:http';
import type { PrismaClient } from './database/prisma.js';
import type { EngineStatus } from './engine-status.js';
import { createLoaders, type Loaders } from './loaders.js';

/** Shared by every request of one server. */
export interface ServerDeps {
  readonly prisma: PrismaClient;
  readonly engineStatus: EngineStatus;
}

export interface Context extends ServerDeps {
  readonly loaders: Loaders;
  /** The token of an `Authorization: Bearer <token>` header (checked by the auth layer, later). */
  readonly bearerToken: string | null;
}

/** The context of one request with these headers. */
export function createContext(deps: ServerDeps, headers: IncomingHttpHeaders): Context {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return { ...deps, loaders: createLoaders(deps.prisma), bearerToken: match?.[1] ?? null };
}
