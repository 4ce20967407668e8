// Query.me, Query.apiKeys, Mutation.createApiKey / revokeApiKey and the ApiKey type.
import type { ApiKeyResolvers, MutationResolvers, QueryResolvers } from '../generated/graphql.js';
import { createApiKey, revokeApiKey } from '../auth/api-keys.js';
import { requireRole } from '../auth/require-role.js';
import { fromGlobalId, toGlobalId } from '../relay.js';

export const keyQueries: Pick<QueryResolvers, 'me' | 'apiKeys'> = {
  me: (_parent, _args, { caller }) => (caller === null ? null : { name: caller.name, role: caller.role }),
  apiKeys: (_parent, _args, context) => {
    requireRole(context, 'ADMIN');
    return context.prisma.apiKey.findMany({ orderBy: { id: 'desc' } });
  },
};

export const keyMutations: Pick<MutationResolvers, 'createApiKey' | 'revokeApiKey'> = {
  createApiKey: (_parent, args, context) => {
    requireRole(context, 'ADMIN');
    return createApiKey(context.prisma, args.name, args.role);
  },
  revokeApiKey: (_parent, args, context) => {
    requireRole(context, 'ADMIN');
    return revokeApiKey(context.prisma, fromGlobalId(args.id, 'ApiKey'), args.id);
  },
};

export const ApiKey: ApiKeyResolvers = {
  id: (parent) => toGlobalId('ApiKey', parent.id),
};
