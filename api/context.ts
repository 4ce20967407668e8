// The per-request GraphQL context.
import type { IncomingHttpHeaders } from 'node:http';
import { resolveCaller, type Caller } from './auth/caller.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import type { JobQueue } from './jobs.js';
import { apiError, ErrorCode } from './errors.js';
import { createLoaders, type Loaders } from './loaders.js';

/** Shared by every request of one server. */
export interface ServerDeps {
  readonly prisma: PrismaClient;
  /** Loaded models (api/engine-service.ts). */
  readonly engine: EngineService;
  /** Folders registerModel accepts checkpoints from. */
  readonly modelRoots: readonly string[];
  /** The background job queue; null when the server runs without one (then job mutations fail). */
  readonly jobs: JobQueue | null;
  /** Most prompts one batch job accepts (ATLAS_MAX_BATCH_SIZE). */
  readonly maxBatchSize: number;
}

export interface Context extends ServerDeps {
  readonly loaders: Loaders;
  /** The API key behind the `Authorization: Bearer <key>` header; null without one. */
  readonly caller: Caller | null;
}

/**
 * The context of one request with these headers. Throws UNAUTHENTICATED for an unknown or revoked
 * key, or an Authorization header that is not `Bearer <key>`.
 */
export async function createContext(deps: ServerDeps, headers: IncomingHttpHeaders): Promise<Context> {
  const header = headers.authorization;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (header !== undefined && header.trim() !== '' && match === null) {
    throw apiError(ErrorCode.UNAUTHENTICATED, 'the Authorization header must be "Bearer <API key>"');
  }
  const caller = await resolveCaller(deps.prisma, match?.[1] ?? null);
  return { ...deps, loaders: createLoaders(deps.prisma), caller };
}
