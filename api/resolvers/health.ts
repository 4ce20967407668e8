// Query.health: database, engine and job worker status, never an error.
import type { QueryResolvers } from '../generated/graphql.js';

export const healthQueries: Pick<QueryResolvers, 'health'> = {
  health: async (_parent, _args, { prisma, engine, jobs }) => {
    let database = 'ok';
    try {
      await prisma.$queryRaw`SELECT 1`;
    } catch (error) {
      database = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    const workers = jobs === null || database !== 'ok' ? null : await jobs.liveWorkers();
    return { database, engine: engine.status(), workers };
  },
};
