// The only place that constructs the Prisma client (Rust-free `prisma-client` + pg driver adapter).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient } from '../generated/prisma/client.js';

export interface PrismaOptions {
  /** Called with the SQL of every query (tests count queries with it). */
  readonly onQuery?: (sql: string) => void;
}

/** A Prisma client for the PostgreSQL database at `url`; call `$disconnect()` when done. */
export function createPrisma(url: string, options: PrismaOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url });
  const { onQuery } = options;
  if (onQuery === undefined) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return client;
}
