// A private database per test file, cloned from the run's migrated template, so files run in
// parallel without seeing each other's rows.
import { createPrisma, type PrismaClient, type PrismaOptions } from '../../api/database/prisma.js';
import { adminQuery, uniqueDatabaseName, withDatabase } from './postgres-admin.js';

export interface TestDatabase {
  readonly url: string;
  readonly prisma: PrismaClient;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

function templateUrl(): string {
  const url = process.env.ATLAS_TEST_TEMPLATE_URL;
  if (url === undefined) throw new Error('ATLAS_TEST_TEMPLATE_URL is unset: run the tests through jest (test/support/global-setup.ts)');
  return url;
}

/** Creates a fresh migrated database (CREATE DATABASE ... TEMPLATE) and a Prisma client on it. */
export async function createTestDatabase(options: PrismaOptions = {}): Promise<TestDatabase> {
  const template = templateUrl();
  const name = uniqueDatabaseName('atlas_t');
  const templateName = new URL(template).pathname.slice(1);
  // Two files cloning at the same instant can collide on the template ("being accessed by other users").
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(template, `CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
      break;
    } catch (error) {
      if (attempt >= 20 || !String((error as Error).message) /* pg errors are Errors */.includes('being accessed by other users')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  const url = withDatabase(template, name);
  const prisma = createPrisma(url, options);
  return {
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await adminQuery(template, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
