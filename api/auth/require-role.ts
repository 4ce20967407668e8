// Role checks: resolvers of writes call requireRole; reads are checked per operation by readAccessPlugin.
import type { ApolloServerPlugin } from '@apollo/server';
import type { ApiRole } from '../generated/prisma/client.js';
import { apiError, ErrorCode } from '../errors.js';
import { roleAtLeast } from './api-keys.js';
import type { Caller } from './caller.js';

/**
 * The caller of `context`, who must hold at least `role` (READER < ANNOTATOR < ADMIN).
 * Throws UNAUTHENTICATED without a key, FORBIDDEN with a key of a lesser role.
 */
export function requireRole(context: { readonly caller: Caller | null }, role: ApiRole): Caller {
  const { caller } = context;
  if (caller === null) {
    throw apiError(ErrorCode.UNAUTHENTICATED, `this operation needs an API key with role ${role} or higher (Authorization: Bearer <key>)`);
  }
  if (!roleAtLeast(caller.role, role)) {
    throw apiError(ErrorCode.FORBIDDEN, `this operation needs role ${role} or higher: key "${caller.name}" has ${caller.role}`, { requiredRole: role });
  }
  return caller;
}

/**
 * When `requireKeyForReads` is set, queries and subscriptions without a key are refused with
 * UNAUTHENTICATED before anything runs (mutations check their own roles).
 */
export function readAccessPlugin<TContext extends { readonly caller: Caller | null }>(requireKeyForReads: boolean): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      if (!requireKeyForReads) return;
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation') requireRole(contextValue, 'READER');
        },
      };
    },
  };
}
