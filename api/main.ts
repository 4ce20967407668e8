// `npm start`: config -> database (embedded PostgreSQL when DATABASE_URL is unset) -> migrations
// -> Apollo start -> listen. SIGINT/SIGTERM: drain HTTP, stop Apollo, disconnect Prisma, stop the
// embedded PostgreSQL, exit. Needs `node --experimental-wasm-modules` (the migration engine).
import path from 'node:path';
import { loadConfig, ConfigError, type Config } from './config.js';
import { startEmbeddedPostgres, type RunningPostgres } from './database/embedded.js';
import { ensureDatabase } from './database/ensure-database.js';
import { applyMigrations } from './database/migrate.js';
import { createPrisma, type PrismaClient } from './database/prisma.js';
import { bootstrapKnowledgeModel } from './bootstrap.js';
import { EngineService } from './engine-service.js';
import { JOB_KINDS, JobQueue } from './jobs.js';
import { createLogger, type Logger } from './logger.js';
import { startApiServer, type ApiServer } from './server.js';

/** Hard limit for shutdown; past it the process exits with code 1. */
const SHUTDOWN_LIMIT_MS = 9000;

interface Running {
  embedded: RunningPostgres | null;
  prisma: PrismaClient | null;
  server: ApiServer | null;
  engine: EngineService | null;
  jobs: JobQueue | null;
}

async function start(config: Config, log: Logger, running: Running): Promise<void> {
  let url = config.databaseUrl;
  if (url === null) {
    const dir = path.join(config.dataDir, 'postgres');
    log.info(`DATABASE_URL is not set: starting embedded PostgreSQL in ${dir}`);
    running.embedded = await startEmbeddedPostgres({
      dir,
      port: config.embeddedPostgresPort,
      database: 'atlas',
      onLog: (line) => log.debug(`postgres: ${line}`),
    });
    url = running.embedded.url('atlas');
  } else if (await ensureDatabase(url)) {
    log.info(`created database ${new URL(url).pathname.slice(1)}`);
  }
  const applied = await applyMigrations(url);
  log.info(applied.length === 0 ? 'database schema is up to date' : `applied migrations: ${applied.join(', ')}`);
  running.prisma = createPrisma(url);
  const engine = new EngineService({ memoryBytes: config.engineMemoryBytes });
  running.engine = engine;
  const jobs = await JobQueue.start(running.prisma, {
    url, expireSeconds: config.jobExpireSeconds, retryLimit: config.jobRetryLimit, heartbeatSeconds: config.workerHeartbeatSeconds, log, maintenanceSeconds: Math.min(60, config.jobExpireSeconds),
  });
  running.jobs = jobs;
  if (config.inProcessWorkers) await jobs.work(engine);
  log.info(config.inProcessWorkers ? 'job workers run in this process' : 'no in-process job workers: run `npm run worker`');
  running.server = await startApiServer({
    port: config.port,
    host: config.host,
    bodyLimitBytes: config.bodyLimitBytes,
    requireKeyForReads: config.requireKeyForReads,
    queryLimits: { maxDepth: config.maxQueryDepth, maxComplexity: config.maxQueryComplexity },
    log,
    prisma: running.prisma,
    engine,
    modelRoots: config.modelRoots,
    jobs,
    maxBatchSize: config.maxBatchSize,
  });
  log.info(`GraphQL endpoint ready at ${running.server.url}`);
  if (config.bootstrapKnowledgeModel) {
    // In the background: the endpoint answers meanwhile; a failure is logged, not fatal.
    const prisma = running.prisma;
    bootstrapKnowledgeModel(prisma, engine, log)
      .then(async ({ model }) => {
        if ((await prisma.vocabProjection.count({ where: { modelId: model.id } })) === 0
          && (await prisma.job.count({
            where: { kind: JOB_KINDS.indexProjections, status: { in: ['QUEUED', 'RUNNING'] }, payload: { path: ['modelId'], equals: model.id } },
          })) === 0) {
          await jobs.enqueue(JOB_KINDS.indexProjections, { modelId: model.id });
        }
      })
      .catch((error: unknown) => log.error('knowledge model bootstrap failed', error));
  }
}

async function stop(running: Running, log: Logger): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['HTTP server', running.server?.stop],
    ['job queue', running.jobs?.stop.bind(running.jobs)],
    ['engine', running.engine?.close.bind(running.engine)],
    ['Prisma', running.prisma?.$disconnect.bind(running.prisma)],
    ['embedded PostgreSQL', running.embedded?.stop],
  ];
  for (const [name, step] of steps) {
    if (step === undefined) continue;
    try {
      const t0 = Date.now();
      log.debug(`stopping ${name}`);
      await step();
      log.debug(`stopped ${name} in ${Date.now() - t0} ms`);
    } catch (error) {
      log.error(`stopping ${name} failed`, error);
    }
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`neuron-atlas cannot start: ${error.message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  const running: Running = { embedded: null, prisma: null, server: null, engine: null, jobs: null };
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    setTimeout(() => {
      log.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS} ms: exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    const t0 = Date.now();
    stop(running, log).then(() => {
      log.info(`stopped in ${Date.now() - t0} ms`);
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await start(config, log, running);
  } catch (error) {
    log.error('start-up failed', error);
    await stop(running, log);
    process.exit(1);
  }
}

await main();
