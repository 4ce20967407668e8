// Query.health: database and engine status, never an error.
import type { QueryResolvers } from '../generated/graphql.js';

export const healthQueries: Pick<QueryResolvers, 'health'> = {
  health: async (_parent, _args, { prisma, engineStatus }) => {
    let database = 'ok';
    try {
      await prisma.$queryRaw`SELECT 1`;
    } catch (error) {
      database = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    return { database, engine: engineStatus() };
  },
};
