// The only place that constructs the Prisma client (Rust-free `prisma-client` + pg driver adapter).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type { PrismaClient } from '../generated/prisma/client.js';

/** A Prisma client for the PostgreSQL database at `url`; call `$disconnect()` when done. */
export function createPrisma(url: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}
