// parseConfig: defaults, every bad variable reported at once, frozen result.
import path from 'node:path';
import { ConfigError, parseConfig, PROJECT_ROOT } from '../../api/config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('defaults to port 4000, the embedded database and .data/ in the project', () => {
    const config = parseConfig({});
    expect(config).toEqual({
      port: 4000,
      host: undefined,
      databaseUrl: null,
      dataDir: path.join(PROJECT_ROOT, '.data'),
      embeddedPostgresPort: 0,
      modelRoots: [path.join(PROJECT_ROOT, '.cache'), path.resolve(PROJECT_ROOT, '../shared/models')],
      bodyLimitBytes: 1024 * 1024,
      logLevel: 'info',
      engineMemoryBytes: 4096 * 1024 * 1024,
      inProcessWorkers: true,
      bootstrapKnowledgeModel: true,
      jobExpireSeconds: 3600,
      jobRetryLimit: 3,
      workerHeartbeatSeconds: 10,
      requireKeyForReads: false,
      maxQueryDepth: 12,
      maxQueryComplexity: 50_000,
      maxBatchSize: 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.modelRoots)).toBe(true);
  });

  it('reads every variable, resolving relative paths against the project root', () => {
    const config = parseConfig({
      PORT: '8080', HOST: '127.0.0.1', DATABASE_URL: 'postgresql://u@db:5432/atlas', ATLAS_DATA_DIR: 'var/state',
      ATLAS_EMBEDDED_PG_PORT: '5499', ATLAS_MODEL_ROOTS: `/models${path.delimiter}local`, ATLAS_BODY_LIMIT_BYTES: '2048',
      ATLAS_LOG_LEVEL: 'debug', ATLAS_ENGINE_MEMORY_MB: '64', ATLAS_IN_PROCESS_WORKERS: 'false', ATLAS_BOOTSTRAP_KNOWLEDGE_MODEL: '0',
    });
    expect(config).toMatchObject({
      port: 8080, host: '127.0.0.1', databaseUrl: 'postgresql://u@db:5432/atlas', dataDir: path.join(PROJECT_ROOT, 'var/state'),
      embeddedPostgresPort: 5499, modelRoots: ['/models', path.join(PROJECT_ROOT, 'local')], bodyLimitBytes: 2048, logLevel: 'debug',
      engineMemoryBytes: 64 * 1024 * 1024, inProcessWorkers: false, bootstrapKnowledgeModel: false,
    });
  });

  it('reads the access and limit settings', () => {
    expect(parseConfig({
      ATLAS_REQUIRE_KEY_FOR_READS: 'true', ATLAS_MAX_QUERY_DEPTH: '8', ATLAS_MAX_QUERY_COMPLEXITY: '1000', ATLAS_MAX_BATCH_SIZE: '50',
    })).toMatchObject({ requireKeyForReads: true, maxQueryDepth: 8, maxQueryComplexity: 1000, maxBatchSize: 50 });
    const problems = problemsOf({ ATLAS_REQUIRE_KEY_FOR_READS: 'maybe', ATLAS_MAX_QUERY_DEPTH: '1', ATLAS_MAX_BATCH_SIZE: '0' });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(expect.arrayContaining([
      'ATLAS_MAX_QUERY_DEPTH must be an integer in [2, 1000]: got "1"',
      'ATLAS_MAX_BATCH_SIZE must be an integer in [1, 1000000]: got "0"',
      'ATLAS_REQUIRE_KEY_FOR_READS must be true or false: got "maybe"',
    ]));
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', DATABASE_URL: '  ' })).toMatchObject({ port: 4000, databaseUrl: null });
  });

  it('EXPECTED FAILURE: reports every bad variable together, each naming itself and the value', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x@y/z', ATLAS_LOG_LEVEL: 'loud', ATLAS_EMBEDDED_PG_PORT: '70000' });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(expect.arrayContaining([
      'PORT must be an integer in [0, 65535]: got "eighty"',
      'ATLAS_EMBEDDED_PG_PORT must be an integer in [0, 65535]: got "70000"',
      expect.stringMatching(/^DATABASE_URL must be a postgresql:\/\/.* got "mysql:\/\/x@y\/z"$/),
      'ATLAS_LOG_LEVEL must be one of debug, info, warn, error: got "loud"',
    ]));
  });

  it.each([['-1'], ['1.5'], ['4e3'], ['65536']])('EXPECTED FAILURE: PORT=%s', (port) => {
    expect(problemsOf({ PORT: port })).toEqual([`PORT must be an integer in [0, 65535]: got "${port}"`]);
  });

  it.each([['0'], ['2.5'], ['3601']])('EXPECTED FAILURE: ATLAS_WORKER_HEARTBEAT_SECONDS=%s', (value) => {
    expect(problemsOf({ ATLAS_WORKER_HEARTBEAT_SECONDS: value })).toEqual([`ATLAS_WORKER_HEARTBEAT_SECONDS must be an integer in [1, 3600]: got "${value}"`]);
  });
});
