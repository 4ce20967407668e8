// `npm run worker`: runs the background job workers (batch attribution, projection indexing)
// against DATABASE_URL, on this or another machine; several workers may run at once. SIGINT /
// SIGTERM stop it after the current job (pg-boss graceful stop); a killed worker's job is retried
// by the other workers once its heartbeat stops (see api/jobs.ts).
import { loadConfig, ConfigError } from './config.js';
import { applyMigrations } from './database/migrate.js';
import { createPrisma } from './database/prisma.js';
import { EngineService } from './engine-service.js';
import { JobQueue } from './jobs.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`neuron-atlas worker cannot start: ${error.message}\n`);
    process.exit(2);
  }
  const url = config.databaseUrl;
  if (url === null) {
    process.stderr.write('neuron-atlas worker needs DATABASE_URL: the database the server uses (postgresql://user@host:port/db)\n');
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  await applyMigrations(url);
  const prisma = createPrisma(url);
  const engine = new EngineService({ memoryBytes: config.engineMemoryBytes });
  // Short maintenance interval so jobs of killed workers are noticed soon after they expire.
  const jobs = await JobQueue.start(prisma, {
    url, expireSeconds: config.jobExpireSeconds, retryLimit: config.jobRetryLimit, heartbeatSeconds: config.workerHeartbeatSeconds, log, maintenanceSeconds: Math.min(60, config.jobExpireSeconds),
  });
  await jobs.work(engine);
  log.info(`worker ${process.pid} ready`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping worker`);
    setTimeout(() => process.exit(1), 15_000).unref();
    jobs.stop().then(() => engine.close()).then(() => prisma.$disconnect()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
