// Query.health: database and engine status, never an error.
import type { RootResolver } from './types.js';

interface Health {
  database: string;
  engine: string;
}

const health: RootResolver<Record<string, never>, Health> = async (_parent, _args, { prisma, engineStatus }) => {
  let database = 'ok';
  try {
    await prisma.$queryRaw`SELECT 1`;
  } catch (error) {
    database = `error: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { database, engine: engineStatus() };
};

export const healthResolvers = { Query: { health } };
