// The only reader of process.env: every setting is parsed once into a frozen, typed Config, and
// all bad variables are reported together so one failed start names every problem.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Config {
  /** HTTP port (PORT, default 4000; 0 picks a free one). */
  readonly port: number;
  /** Interface to listen on (HOST); undefined listens on all of them. */
  readonly host: string | undefined;
  /** External PostgreSQL (DATABASE_URL); null starts the embedded PostgreSQL instead. */
  readonly databaseUrl: string | null;
  /** Project-local state (ATLAS_DATA_DIR, default `.data/`): embedded PostgreSQL lives in `<dataDir>/postgres`. */
  readonly dataDir: string;
  /** Port of the embedded PostgreSQL (ATLAS_EMBEDDED_PG_PORT, default 0: a free port at each start). */
  readonly embeddedPostgresPort: number;
  /** Folders registerModel accepts checkpoints from (ATLAS_MODEL_ROOTS, path-delimiter separated;
   *  default `.cache/` and `../shared/models`). */
  readonly modelRoots: readonly string[];
  /** Bytes of model weights kept loaded (ATLAS_ENGINE_MEMORY_MB, default 4096); least recently used unloaded first. */
  readonly engineMemoryBytes: number;
  /** Run the job workers inside the server process (ATLAS_IN_PROCESS_WORKERS, default true). */
  readonly inProcessWorkers: boolean;
  /** Generate, register and import the knowledge model at start (ATLAS_BOOTSTRAP_KNOWLEDGE_MODEL, default true). */
  readonly bootstrapKnowledgeModel: boolean;
  /** A job active this long without finishing (e.g. its worker was killed) is failed and retried (ATLAS_JOB_EXPIRE_SECONDS, default 3600). */
  readonly jobExpireSeconds: number;
  /**
   * Seconds between a worker's heartbeats (ATLAS_WORKER_HEARTBEAT_SECONDS, default 10). A worker
   * silent for 6 heartbeats, or whose process is gone from this host, is dead: its jobs are retried.
   */
  readonly workerHeartbeatSeconds: number;
  /** Retries of a failed job (ATLAS_JOB_RETRY_LIMIT, default 3). */
  readonly jobRetryLimit: number;
  /** Largest accepted request body in bytes (ATLAS_BODY_LIMIT_BYTES, default 1 MiB). */
  readonly bodyLimitBytes: number;
  /** Queries and subscriptions need an API key too (ATLAS_REQUIRE_KEY_FOR_READS, default false). */
  readonly requireKeyForReads: boolean;
  /** Deepest selection set accepted (ATLAS_MAX_QUERY_DEPTH, default 12). */
  readonly maxQueryDepth: number;
  /** Largest estimated cost of an operation, list fields weighted by page size (ATLAS_MAX_QUERY_COMPLEXITY, default 50000). */
  readonly maxQueryComplexity: number;
  /** Most prompts in one attributeBatch job (ATLAS_MAX_BATCH_SIZE, default 1000). */
  readonly maxBatchSize: number;
  /** ATLAS_LOG_LEVEL: debug | info | warn | error (default info). */
  readonly logLevel: LogLevel;
}

/** Thrown by parseConfig; `problems` has one line per bad variable, each naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function set(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses a Config from `env` (pure: pass any record). Relative paths resolve against the project
 * root. Throws ConfigError listing every invalid variable.
 */
export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = set(env, name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}]: got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const dir = (raw: string) => path.resolve(PROJECT_ROOT, raw);

  const port = integer('PORT', 4000, 0, 65535);
  const embeddedPostgresPort = integer('ATLAS_EMBEDDED_PG_PORT', 0, 0, 65535);
  const bodyLimitBytes = integer('ATLAS_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024);

  const engineMemoryMb = integer('ATLAS_ENGINE_MEMORY_MB', 4096, 1, 1024 * 1024);
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = set(env, name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false: got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const inProcessWorkers = flag('ATLAS_IN_PROCESS_WORKERS', true);
  const bootstrapKnowledgeModel = flag('ATLAS_BOOTSTRAP_KNOWLEDGE_MODEL', true);
  const jobExpireSeconds = integer('ATLAS_JOB_EXPIRE_SECONDS', 3600, 1, 86_400);
  const jobRetryLimit = integer('ATLAS_JOB_RETRY_LIMIT', 3, 0, 100);
  const workerHeartbeatSeconds = integer('ATLAS_WORKER_HEARTBEAT_SECONDS', 10, 1, 3600);
  const requireKeyForReads = flag('ATLAS_REQUIRE_KEY_FOR_READS', false);
  const maxQueryDepth = integer('ATLAS_MAX_QUERY_DEPTH', 12, 2, 1000);
  const maxQueryComplexity = integer('ATLAS_MAX_QUERY_COMPLEXITY', 50_000, 10, 1_000_000_000);
  const maxBatchSize = integer('ATLAS_MAX_BATCH_SIZE', 1000, 1, 1_000_000);

  const databaseUrl = set(env, 'DATABASE_URL') ?? null;
  if (databaseUrl !== null) {
    const protocol = URL.canParse(databaseUrl) ? new URL(databaseUrl).protocol : 'unparseable';
    if (protocol !== 'postgresql:' && protocol !== 'postgres:') {
      problems.push(`DATABASE_URL must be a postgresql://user@host:port/database URL: got ${JSON.stringify(databaseUrl)}`);
    }
  }

  const rawLevel = set(env, 'ATLAS_LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((level) => level === rawLevel);
  if (logLevel === undefined) {
    problems.push(`ATLAS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}: got ${JSON.stringify(rawLevel)}`);
  }

  const rawRoots = set(env, 'ATLAS_MODEL_ROOTS');
  const modelRoots = rawRoots === undefined
    ? [dir('.cache'), dir('../shared/models')]
    : rawRoots.split(path.delimiter).filter((p) => p !== '').map(dir);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port,
    host: set(env, 'HOST'),
    databaseUrl,
    dataDir: dir(set(env, 'ATLAS_DATA_DIR') ?? '.data'),
    embeddedPostgresPort,
    modelRoots: Object.freeze(modelRoots),
    engineMemoryBytes: engineMemoryMb * 1024 * 1024,
    inProcessWorkers,
    bootstrapKnowledgeModel,
    jobExpireSeconds,
    jobRetryLimit,
    workerHeartbeatSeconds,
    bodyLimitBytes,
    requireKeyForReads,
    maxQueryDepth,
    maxQueryComplexity,
    maxBatchSize,
    logLevel: logLevel ?? 'info',
  });
}

let loaded: Config | undefined;

/** The process's Config, parsed from process.env on first call. Throws ConfigError. */
export function loadConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}
