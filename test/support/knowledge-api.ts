// The setup most API tests share: a private migrated database, an EngineService, the real server
// on an ephemeral port, and the knowledge model registered with its prompts (generated into
// .cache/knowledge-model on first use). Optionally in-process job workers.
import path from 'node:path';
import { bootstrapKnowledgeModel } from '../../api/bootstrap.js';
import { PROJECT_ROOT } from '../../api/config.js';
import type { PrismaOptions } from '../../api/database/prisma.js';
import { EngineService } from '../../api/engine-service.js';
import type { Model } from '../../api/generated/prisma/client.js';
import { JobQueue } from '../../api/jobs.js';
import { toGlobalId } from '../../api/relay.js';
import { quietLogger } from './quiet-logger.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { startTestServer, type TestServer } from './test-server.js';

export { quietLogger };

export interface KnowledgeApi {
  readonly db: TestDatabase;
  readonly engine: EngineService;
  readonly server: TestServer;
  /** The knowledge model's row, and its global id. */
  readonly model: Model;
  readonly modelId: string;
  /** In-process workers (null unless `jobs` was given). */
  readonly jobs: JobQueue | null;
  /** Stops the server, the workers and the engine, then drops the database. */
  close(): Promise<void>;
}

export interface KnowledgeApiOptions {
  /** Passed to the test database's Prisma client (e.g. to count SQL queries). */
  readonly prisma?: PrismaOptions;
  /** Start pg-boss with in-process workers and hand the queue to the server. */
  readonly jobs?: { readonly expireSeconds: number; readonly retryLimit: number };
}

export async function startKnowledgeApi(options: KnowledgeApiOptions = {}): Promise<KnowledgeApi> {
  const db = await createTestDatabase(options.prisma);
  const engine = new EngineService({ memoryBytes: 512 * 1024 * 1024 });
  let jobs: JobQueue | null = null;
  let server: TestServer | null = null;
  const close = async () => {
    await server?.stop();
    await jobs?.stop();
    await engine.close();
    await db.drop();
  };
  try {
    if (options.jobs !== undefined) {
      jobs = await JobQueue.start(db.prisma, { url: db.url, ...options.jobs, log: quietLogger, maintenanceSeconds: 1 });
      await jobs.work(engine);
    }
    server = await startTestServer(db.prisma, { engine, ...(jobs === null ? {} : { jobs }) });
    const { model } = await bootstrapKnowledgeModel(db.prisma, engine, quietLogger, path.join(PROJECT_ROOT, '.cache'));
    return { db, engine, server, model, modelId: toGlobalId('Model', model.id), jobs, close };
  } catch (error) {
    await close();
    throw error;
  }
}
